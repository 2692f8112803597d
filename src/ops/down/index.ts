/**
 * The steps of `down`, in the order AWS and eksctl prescribe: stop Airflow, delete what owns AWS resources outside
 * CloudFormation while its controllers still run, then the stack, then (only on --delete-data) the retained data.
 */
import type { Step } from '../steps.js';
import type { DownContext } from './context.js';
import { dataStep } from './data.js';
import { loadBalancersStep, scaleStep, volumesStep } from './kubernetes.js';
import { stackStep } from './stack.js';

export const DOWN_STEPS: readonly Step<DownContext>[] = [scaleStep, loadBalancersStep, volumesStep, stackStep, dataStep];
