/**
 * CloudWatch Logs accepts only a fixed set of retention periods; the config accepts any number of days.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Retention values CloudWatch Logs accepts, ascending. @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html */
export const CLOUDWATCH_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The smallest accepted retention that keeps logs at least `days` days (never less than asked). */
export function cloudWatchRetention(days: number): RetentionDays {
  const match = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= days) ?? 3653;
  return match as RetentionDays;
}
