import type { RunningStack } from './stack';

/** What `npm start` prints once the stack is up: where everything is and how to make a first call. */
export const banner = (stack: RunningStack, dataDir: string): string => {
  const { urls } = stack;
  const tokenCall = `curl -s -X POST ${urls.console}/local/token -H 'content-type: application/json' -d '{"username":"admin"}'`;
  const lines = [
    '',
    'Bulk Imports local stack is up.',
    `  Console + API   ${urls.console}   (API under ${urls.api}, health: ${urls.api}/health)`,
    `  S3 endpoint     ${urls.s3}   (presigned URLs point here; CORS allows the console)`,
    `  SQS, DynamoDB   ${urls.sqs}, ${urls.dynamodb}`,
    `  SMTP (email)    ${urls.smtp}   (plays SES receiving; configure addresses first: PUT /api/settings/email)`,
    `                  npm run send-email -- --to users@imports.localhost --attach users.csv`,
    `  Mailbox         ${urls.mailbox}   (replies to emailed imports, as sent through SES)`,
    `  Data dir        ${dataDir}`,
    '  Sign in         POST /local/token {"username":"admin"} (admins group) or {"username":"viewer"}',
    `                  ${tokenCall}`,
    `  Try             TOKEN=$(${tokenCall} | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    `                  curl -s -H "Authorization: Bearer $TOKEN" ${urls.api}/templates`,
    'Ctrl-C stops the stack; its state stays in the data dir for the next start.',
    '',
  ];
  return lines.join('\n');
};
