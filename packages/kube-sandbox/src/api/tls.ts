import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

/** PEM texts of a certificate authority and a certificate it signed, with the certificate's key. */
export type SandboxTls = {
  /** The CA certificate: what a client trusts (`caData` is its base64, `caFile` a file holding it). */
  ca: string;
  cert: string;
  key: string;
};

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function keyPair() {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

async function privateKeyPem(key: webcrypto.CryptoKey) {
  return x509.PemConverter.encode(
    await webcrypto.subtle.exportKey('pkcs8', key),
    'PRIVATE KEY',
  );
}

/**
 * A new self-signed CA and a server certificate it signed for 127.0.0.1, localhost and
 * `serverNames` (a name only reachable through `tls-server-name`, for instance). ECDSA P-256:
 * generated in milliseconds, unlike RSA.
 */
export async function createSandboxTls(
  serverNames: string[] = [],
): Promise<SandboxTls> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=kube-sandbox-ca',
    notBefore,
    notAfter,
    keys: caKeys as unknown as CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(
        caKeys.publicKey as unknown as CryptoKey,
      ),
    ],
  });
  const serverKeys = await keyPair();
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=kube-sandbox',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey: caKeys.privateKey as unknown as CryptoKey,
    publicKey: serverKeys.publicKey as unknown as CryptoKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
        ...serverNames.map(value => ({ type: 'dns' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return {
    ca: ca.toString('pem'),
    cert: server.toString('pem'),
    key: await privateKeyPem(serverKeys.privateKey),
  };
}
