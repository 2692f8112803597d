/**
 * What `up` does with the stack it finds, decided from CloudFormation's status alone (pure). eksctl's most common
 * complaint is a failed create that can be neither resumed nor cleaned up; every status here has an answer.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html#w2ab1c23c15c17c11
 */

export interface FoundStack {
  readonly status: string;
  readonly reason?: string;
  /** Value of our deployment tag on the stack, if any. */
  readonly deploymentTag?: string;
}

export type StackAction =
  /** Nothing there (or a never-executed change set): create it. */
  | { readonly kind: 'create' }
  /** A settled stack: update it (a no-op when the template is unchanged). */
  | { readonly kind: 'update'; readonly note?: string }
  /** A first create failed and rolled back: only deleting it lets a create start again. Needs confirmation. */
  | { readonly kind: 'delete-then-create'; readonly why: string }
  /** CloudFormation is still working on it: wait until it settles, then decide again. */
  | { readonly kind: 'wait'; readonly why: string }
  /** A state no automatic step can leave safely, or a stack that is not ours. */
  | { readonly kind: 'refuse'; readonly code: string; readonly why: string; readonly hint: string };

export function decideStackAction(found: FoundStack | undefined, deployment: string, stackName: string): StackAction {
  if (!found || found.status === 'DELETE_COMPLETE') return { kind: 'create' };
  const s = found.status;
  // A stack that CreateChangeSet made but nobody executed holds no resources; CloudFormation creates over it.
  if (s === 'REVIEW_IN_PROGRESS') return { kind: 'create' };
  if (found.deploymentTag !== deployment) {
    return {
      kind: 'refuse',
      code: 'STACK_NOT_OURS',
      why: found.deploymentTag
        ? `stack ${stackName} belongs to airflow-aws deployment "${found.deploymentTag}", not "${deployment}"`
        : `stack ${stackName} exists but was not created by airflow-aws (it has no airflow-aws:deployment tag)`,
      hint: 'choose another `name` in the config (the stack is named <name>-airflow), or deploy to another region/account',
    };
  }
  if (s.endsWith('_IN_PROGRESS')) return { kind: 'wait', why: `CloudFormation is busy with stack ${stackName} (${s})` };
  switch (s) {
    case 'CREATE_COMPLETE':
    case 'UPDATE_COMPLETE':
    case 'IMPORT_COMPLETE':
    case 'IMPORT_ROLLBACK_COMPLETE':
      return { kind: 'update' };
    case 'UPDATE_ROLLBACK_COMPLETE':
      return { kind: 'update', note: `the last update of ${stackName} failed and was rolled back${reasonSuffix(found)}; retrying it` };
    case 'ROLLBACK_COMPLETE':
    case 'CREATE_FAILED':
      return {
        kind: 'delete-then-create',
        why: `the first create of ${stackName} failed${reasonSuffix(found)}; CloudFormation cannot update such a stack, it must be deleted and created again (it holds no data: nothing was created that survived the rollback)`,
      };
    case 'UPDATE_ROLLBACK_FAILED':
      return {
        kind: 'refuse',
        code: 'STACK_ROLLBACK_FAILED',
        why: `stack ${stackName} is in UPDATE_ROLLBACK_FAILED${reasonSuffix(found)}`,
        hint: `fix what blocked the rollback, then: aws cloudformation continue-update-rollback --stack-name ${stackName}; then run up again`,
      };
    case 'ROLLBACK_FAILED':
    case 'DELETE_FAILED':
      return {
        kind: 'refuse',
        code: 'STACK_DELETE_FAILED',
        why: `stack ${stackName} is in ${s}${reasonSuffix(found)}`,
        hint: `remove what blocks the deletion (see the stack's events), then delete it: aws cloudformation delete-stack --stack-name ${stackName}; then run up again`,
      };
    default:
      return { kind: 'refuse', code: 'STACK_STATE_UNKNOWN', why: `stack ${stackName} is in ${s}`, hint: 'check the stack in the CloudFormation console' };
  }
}

function reasonSuffix(found: FoundStack): string {
  return found.reason ? ` (${found.reason})` : '';
}
