import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * What EKS does with a `k8s-aws-v1.` bearer token, done locally: the token is a presigned STS
 * GetCallerIdentity URL; EKS has STS check its signature and the signed `x-k8s-aws-id` header
 * names the cluster. Here the signature is recomputed with the one key pair the test handed the
 * backend (`aws.mainAccount`), for this cluster id and the token's own signing date.
 */
export function awsTokenVerifier(options: {
  accessKeyId: string;
  secretAccessKey: string;
  clusterId: string;
}): (token: string) => Promise<boolean> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
    },
    region: 'us-east-1',
    service: 'sts',
    sha256: Sha256,
  });
  return async token => {
    if (!token.startsWith('k8s-aws-v1.')) return false;
    let url: URL;
    try {
      url = new URL(
        Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString(),
      );
    } catch {
      return false;
    }
    const q = url.searchParams;
    const date = q.get('X-Amz-Date') ?? '';
    const signingDate = new Date(
      date.replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    if (
      url.hostname !== 'sts.us-east-1.amazonaws.com' ||
      q.get('Action') !== 'GetCallerIdentity' ||
      !(q.get('X-Amz-SignedHeaders') ?? '')
        .split(';')
        .includes('x-k8s-aws-id') ||
      Number.isNaN(signingDate.getTime()) ||
      Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000
    ) {
      return false;
    }
    const expected = await signer.presign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: url.hostname,
        path: '/',
        headers: { host: url.hostname, 'x-k8s-aws-id': options.clusterId },
        query: {
          Action: q.get('Action')!,
          Version: q.get('Version') ?? '',
        },
      },
      {
        signingDate,
        expiresIn: Number(q.get('X-Amz-Expires') ?? 0),
      },
    );
    return expected.query?.['X-Amz-Signature'] === q.get('X-Amz-Signature');
  };
}

/**
 * Google's security token service on loopback: exchanges the subject token of a workload identity
 * federation credential (`type: external_account`, the JSON `kubernetes.googleServiceAccountCredentials`
 * may hold) for an access token, and remembers what it issued so the sandbox can accept exactly those.
 */
export async function startGoogleTokenService(dir: string): Promise<{
  /** The JSON for `kubernetes.googleServiceAccountCredentials`. */
  credentials: string;
  /** Whether this service issued `token`. */
  issued(token: string): boolean;
  /** Token exchanges so far. */
  exchanges(): number;
  stop(): Promise<void>;
}> {
  const subjectToken = `subject-${randomBytes(8).toString('hex')}`;
  const subjectFile = join(dir, 'google-subject-token');
  writeFileSync(subjectFile, subjectToken);
  const issued = new Set<string>();
  let exchanges = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (
        req.method !== 'POST' ||
        form.get('grant_type') !==
          'urn:ietf:params:oauth:grant-type:token-exchange' ||
        form.get('subject_token') !== subjectToken
      ) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      exchanges += 1;
      const token = `ya29.sandbox-${randomBytes(12).toString('hex')}`;
      issued.add(token);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: token,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    credentials: JSON.stringify({
      type: 'external_account',
      audience:
        '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/backstage/providers/sandbox',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `http://127.0.0.1:${port}/v1/token`,
      credential_source: { file: subjectFile },
    }),
    issued: token => issued.has(token),
    exchanges: () => exchanges,
    stop: () => new Promise(resolve => server.close(() => resolve())),
  };
}
