'use strict';
module.exports = async () => {
  await globalThis.__JOBS_TEST_REDIS__?.stop();
};
