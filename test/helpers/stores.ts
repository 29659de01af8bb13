import { createLocator } from '../../src/io/store/open.js';

/** Local paths only (no S3 settings): what tests of jobs on this machine hand the batch steps. */
export const locateLocal = createLocator({});

/** runJobLocally's store options for a job on local files. */
export const LOCAL_STORES = { storeSettings: {}, locate: locateLocal } as const;
