/**
 * What `up` offers when Ctrl-C arrives while CloudFormation works on the stack, decided from the stack's status at
 * that moment (pure). CloudFormation goes on by itself whatever the tool does; only an update in progress can be
 * stopped (CancelUpdateStack rolls it back). A create cannot be cancelled: it is waited for, or deleted once it has
 * ended (`airflow-aws down`; a create that failed and rolled back is deleted and created again by the next `up`).
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html
 */

export interface InterruptSituation {
  readonly stackName: string;
  /** The stack's status now; undefined when there is no stack (yet). */
  readonly status: string | undefined;
  /** Whether someone can answer a question (a terminal, and no --yes). */
  readonly interactive: boolean;
}

export type InterruptChoice =
  /** Ask; on yes cancel the update and follow the rollback; on no, `leave` applies. */
  | { readonly kind: 'offer-cancel'; readonly question: string; readonly leave: readonly string[] }
  /** Nothing to offer: say what CloudFormation does now and how to go on. */
  | { readonly kind: 'leave'; readonly lines: readonly string[] };

export const CANCEL_QUESTION = 'Cancel the update? CloudFormation rolls back';

export function decideOnInterrupt(s: InterruptSituation): InterruptChoice {
  const name = s.stackName;
  const watch = `watch it: airflow-aws status (or: aws cloudformation describe-stack-events --stack-name ${name})`;
  const resume = '`airflow-aws up` waits for it to finish and continues from there';
  switch (s.status) {
    case undefined:
    case 'REVIEW_IN_PROGRESS':
      return { kind: 'leave', lines: [`nothing was created: stack ${name} does not exist yet; \`airflow-aws up\` starts again`] };
    case 'UPDATE_IN_PROGRESS': {
      const leave = [
        `CloudFormation keeps updating stack ${name} on its own`,
        watch,
        resume,
        `to cancel it instead: aws cloudformation cancel-update-stack --stack-name ${name} (CloudFormation rolls back)`,
      ];
      return s.interactive ? { kind: 'offer-cancel', question: CANCEL_QUESTION, leave } : { kind: 'leave', lines: leave };
    }
    case 'CREATE_IN_PROGRESS':
      return {
        kind: 'leave',
        lines: [
          `CloudFormation keeps creating stack ${name} on its own; a create cannot be cancelled`,
          watch,
          `either wait: ${resume}`,
          `or, once the create has ended, remove it: airflow-aws down (if the create fails, it rolls back and the next \`airflow-aws up\` deletes it and creates it again)`,
        ],
      };
    case 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS':
      return {
        kind: 'leave',
        lines: [`the update of stack ${name} has succeeded; CloudFormation is removing the resources it replaced (this cannot be cancelled)`, resume],
      };
    default:
      if (s.status.endsWith('_IN_PROGRESS')) {
        return { kind: 'leave', lines: [`CloudFormation keeps working on stack ${name} (${s.status}); it cannot be cancelled now`, watch, resume] };
      }
      // Settled already (the change set had not been executed, or the operation ended at this moment).
      return { kind: 'leave', lines: [`stack ${name} is ${s.status}: CloudFormation is not changing it; \`airflow-aws up\` starts from there`] };
  }
}
