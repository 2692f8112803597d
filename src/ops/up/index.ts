/** The steps of `up`, in order: each layer needs what the one before it made. */
import type { Step } from '../steps.js';
import { accessStep } from './access.js';
import type { UpContext } from './context.js';
import { imageStep } from './image.js';
import { infrastructureStep } from './infrastructure.js';
import { kubernetesStep } from './kubernetes.js';

export const UP_STEPS: readonly Step<UpContext>[] = [infrastructureStep, accessStep, imageStep, kubernetesStep];
