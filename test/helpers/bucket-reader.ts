import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** What the handler tests read back from a bucket of the S3 test server: keys, bytes, existence. */
export function bucketReader(client: () => S3Client, bucket: string) {
  return {
    /** Every key under `prefix`, sorted (the test server does not list in order). */
    async listKeys(prefix: string): Promise<string[]> {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    get: async (key: string) => Buffer.from(await (await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray()),
    exists: async (key: string) => client().send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false),
  };
}
