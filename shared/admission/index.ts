export { admitJob, type AdmitJobOptions, type AdmitJobResult } from './admit-job.js';
export { admitQueue, admitQueueDelete, type AdmitQueueOptions, type AdmitQueueResult } from './admit-queue.js';
export { defaultJob, DEFAULT_MAX_RETRY, type JobDefaultsOptions } from './job-defaults.js';
export { validateJob, flagValue, type JobValidationOptions, type QueueLookup } from './job-validation.js';
export { JOB_UPDATE_FORBIDDEN } from './job-update-validation.js';
export { defaultQueue } from './queue-defaults.js';
export { validateQueue, queueDeleteRefusal, DEFAULT_MAX_QUEUE_DEPTH, type QueueValidationOptions } from './queue-validation.js';
export { FieldErrors, type FieldErrorReason } from './field-errors.js';
