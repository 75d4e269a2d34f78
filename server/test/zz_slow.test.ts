describe('zz slow', () => { it('sleeps', () => new Promise((r) => setTimeout(r, 20000))); });
