import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** What the handler tests read back from a bucket of the S3 test server: keys, bytes, existence. */
export function bucketReader(client: () => S3Client, bucket: string) {
  /** Every key under `prefix`, sorted (the test server does not list in order). */
  const listKeys = async (prefix: string): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  };
  const get = async (key: string) => Buffer.from(await (await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  return {
    listKeys,
    get,
    exists: async (key: string) => client().send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false),
    /**
     * A job's reports (`jobPrefix` ends in `/`): every object of its folder but the scratch that
     * names the run or the machine — `_partials/`, `_plan/` and a local run's `run.json`.
     */
    async readReports(jobPrefix: string): Promise<Map<string, Buffer>> {
      const keys = (await listKeys(jobPrefix)).filter((k) => !/^(_partials|_plan)\//.test(k.slice(jobPrefix.length)) && k !== `${jobPrefix}run.json`);
      return new Map(await Promise.all(keys.map(async (k) => [k, await get(k)] as const)));
    },
  };
}
