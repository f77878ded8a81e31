import { routeJob } from './job-routing';

describe('routeJob', () => {
  const routes = new Map([['backup', 'high_priority']]);

  it('takes the routes entry first, over the handler queue', () => {
    expect(routeJob('backup', routes, 'reports')).toBe('high_priority');
  });

  it('takes the handler queue when no route names the job', () => {
    expect(routeJob('report', routes, 'reports')).toBe('reports');
  });

  it('falls back to default', () => {
    expect(routeJob('report', routes, undefined)).toBe('default');
    expect(routeJob('report', new Map(), undefined)).toBe('default');
  });
});
