import { Duration } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket';

export interface ConsoleHostingProps {
  bucketName: string;
  /** Receives the bucket's server access logs and the distribution's standard logs. */
  logBucket: IBucket;
  /** Custom host name and its ACM certificate (us-east-1); without them the CloudFront name is used. */
  customDomain?: { domainName: string; certificateArn: string };
}

/**
 * Where the console is served from: a private bucket that only this distribution can read (origin access
 * control), HTTPS only, security headers on every response, and unknown paths answered with the app shell
 * so client-side routes survive a reload.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://host` of the console, for CORS rules and sign-in redirects. */
  readonly origins: string[];

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);

    this.bucket = secureBucket(this, 'Bucket', {
      bucketName: props.bucketName,
      accessLogs: { bucket: props.logBucket, prefix: 'console-bucket/' },
    });

    const appShell = { responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Bulk Imports console',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      defaultRootObject: 'index.html',
      // Without list permission S3 answers 403 for a missing key, so both codes fall back to the shell.
      errorResponses: [
        { httpStatus: 403, ...appShell },
        { httpStatus: 404, ...appShell },
      ],
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'console-cdn/',
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.domainName],
            // Only a custom certificate lets the TLS policy be chosen; the default one's is fixed by CloudFront.
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              props.customDomain.certificateArn,
            ),
          }
        : {}),
    });

    this.origins = [
      `https://${this.distribution.distributionDomainName}`,
      ...(props.customDomain ? [`https://${props.customDomain.domainName}`] : []),
    ];
  }
}
