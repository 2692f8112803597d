/**
 * The ECR repository of the Airflow image.
 *
 * - Encryption: KMS with the AWS-managed `aws/ecr` key. At-rest encryption is auditable in CloudTrail, there is no
 *   key policy to maintain, and nodes keep pulling with AmazonEC2ContainerRegistryReadOnly alone (a customer key
 *   would need key grants for every puller). Encryption settings of a repository are fixed at creation.
 * - Tags are immutable: a tag names one image for ever, so a rollback redeploys exactly what ran before. The image
 *   flow therefore pushes content-derived tags and treats "tag already exists" as "already pushed".
 * - Lifecycle: keep the newest `registry.keepImages` images, whatever their tags.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import type { ResolvedConfig } from '../config/resolved.js';

export interface RegistryProps {
  readonly config: ResolvedConfig;
}

export class Registry extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    const r = props.config.registry;
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: r.repositoryName,
      imageScanOnPush: r.scanOnPush,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.KMS,
      // Images are the deployable history; `down` leaves them (and their cost) to the user.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          description: `keep the newest ${r.keepImages} images`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: r.keepImages,
        },
      ],
    });
  }
}
