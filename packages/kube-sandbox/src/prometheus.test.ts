import { prometheusConfig, startPrometheus } from './prometheus';

describe('startPrometheus', () => {
  it('names the missing binary', async () => {
    await expect(
      startPrometheus({
        httpSdUrl: 'http://127.0.0.1:1/sandbox/http-sd',
        binary: '/nonexistent/prometheus',
      }),
    ).rejects.toThrow(
      'Prometheus is not installed: /nonexistent/prometheus not found',
    );
  });

  it('generates an http_sd scrape config that keeps the pods own labels', () => {
    const cfg = prometheusConfig('http://127.0.0.1:6550/sandbox/http-sd', 1);
    expect(cfg).toContain('scrape_interval: 1s');
    expect(cfg).toContain('honor_labels: true');
    expect(cfg).toContain('- url: http://127.0.0.1:6550/sandbox/http-sd');
  });
});
