import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ImportsApiProps {
  handler: IFunction;
  userPool: IUserPool;
  client: IUserPoolClient;
  /** Scope every protected route requires in the access token. */
  requiredScope: string;
  /** Console origins allowed to call the API from the browser. */
  allowedOrigins: string[];
  logRetention: RetentionDays;
}

/**
 * The HTTP API in front of the api Lambda. Secure by default: the Cognito JWT authorizer and the admin scope
 * are the API's defaults, so every route, including any added later, is protected unless it opts out as
 * health does. The Lambda checks the token again (issuer, client, `admins` group), so a misconfigured route
 * still cannot serve a non-admin.
 */
export class ImportsApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ImportsApiProps) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Bulk Imports API (/api)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('AdminToken', props.userPool, {
        userPoolClients: [props.client],
      }),
      defaultAuthorizationScopes: [props.requiredScope],
      corsPreflight: {
        allowOrigins: props.allowedOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
            user: '$context.authorizer.claims.username',
          }),
        ),
      },
      // A ceiling for a console used by a few admins; uploads go to S3 directly, not through the API.
      throttle: { rateLimit: 50, burstLimit: 100 },
    });

    const integration = new HttpLambdaIntegration('Handler', props.handler);
    this.httpApi.addRoutes({
      path: '/api/health',
      methods: [HttpMethod.GET],
      integration,
      authorizer: new HttpNoneAuthorizer(),
      // The API-wide default scope would otherwise be attached to a route that has no authorizer.
      authorizationScopes: [],
    });
    this.httpApi.addRoutes({ path: '/api/{proxy+}', methods: [HttpMethod.ANY], integration });
  }

  /** Base URL; routes are under `/api`. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
