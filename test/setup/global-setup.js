// Jest globalSetup: one private redis-server for the whole run. Tests isolate themselves with a
// unique key prefix each. The URL reaches the test workers through the environment.
'use strict';
const { startPrivateRedis } = require('../../scripts/private-redis');

module.exports = async () => {
  const redis = await startPrivateRedis();
  globalThis.__JOBS_TEST_REDIS__ = redis;
  process.env.REDIS_URL = redis.url;
  process.env.JOBS_TEST_REDIS_URL = redis.url;
};
