// TEMPORARY smoke test for scripts/test.mjs (delete after verifying).
import { connect } from 'node:net';
import { expect } from 'chai';

function talk(url: string, payload?: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port) }, () => {
      if (payload === undefined) { s.end(); resolve('connected'); } else s.write(payload);
    });
    s.on('data', (d) => { s.end(); resolve(String(d)); });
    s.on('error', reject);
  });
}

describe('zz smoke: local services', () => {
  it('reaches valkey (PING) and postgres (TCP)', async () => {
    expect(await talk(process.env.VALKEY_URL!, '*1\r\n$4\r\nPING\r\n')).to.match(/^\+PONG/);
    expect(await talk(process.env.DATABASE_URL!)).to.equal('connected');
  });
});
