// A misconfigured stack says what is wrong and how to fix it, in one log line, instead of crash-looping silently or
// failing deep inside the ring: the engine absent from the shared volume, the volume disk-backed, the volume read-only,
// the engine running as another user.
import { describeWithDocker, Images, Stack, until } from './docker';

describeWithDocker('a misconfigured compose stack', () => {
  let images: Images;
  let stack: Stack | undefined;

  beforeAll(async () => {
    images = await Images.build();
  }, 900_000);

  afterEach(async () => {
    await stack?.down();
    stack = undefined;
  });

  afterAll(async () => {
    await images?.remove();
  });

  /** The collector's log lines that contain every one of `parts`, once there are `count` of them. */
  const lines = (s: Stack, count: number, ...parts: string[]) =>
    until(`${count} collector log line(s) saying ${JSON.stringify(parts)}`, async () => {
      const found = (await s.logs('collector')).split('\n').filter((line) => parts.every((p) => line.includes(p)));
      return found.length >= count ? found : undefined;
    }, 90_000);

  test('no engine at the endpoint: each attempt of the restarting collector says there is no socket and how to start the engine', async () => {
    stack = await Stack.create(images);
    await stack.compose(['up', '-d', '--no-deps', 'collector']);
    const found = await lines(stack, 2, 'there is no socket at /run/tandem/control.sock', 'start the engine with `tandem-engine --listen unix:///run/tandem/control.sock`');
    expect(found[0]).toMatch(/^Error: failed to start the engine: the engine's control endpoint unix:\/\/\/run\/tandem\/control\.sock did not answer within 10000 ms: .*; start the engine with/);
    expect((await stack.inspect('collector')).RestartCount).toBeGreaterThanOrEqual(1);
  });

  test('a disk-backed shared volume: one warning naming the fix, and data still flows', async () => {
    // A plain named volume (on the Docker host's disk) in place of the tmpfs one, mounted by both containers.
    stack = await Stack.create(images, () => ({
      services: { engine: { volumes: ['disk:/run/tandem'] }, collector: { volumes: ['disk:/run/tandem'] } },
      volumes: { disk: {} },
    }));
    await stack.up();
    const [warning] = await lines(stack, 1, 'is not memory-backed');
    expect(JSON.parse(warning)).toMatchObject({
      level: 40,
      msg: expect.stringMatching(/^runtime\.rust\.ipc\.shm_dir \/run\/tandem is not memory-backed \(filesystem type 0x[0-9a-f]+\), so the rings' pages are written to disk: mount a tmpfs there/),
    });
    const response = await fetch(`http://127.0.0.1:${stack.ports.http}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'on disk' } }] }] }] }),
    });
    expect(response.status).toBe(200);
    expect(await stack.records('collector', 'Logs')).toEqual([expect.objectContaining({ 'log records': 1 })]);
  });

  test('the engine runs as another user: each attempt of the collector names both uids and says to run them as one', async () => {
    // A volume anyone may write (sticky), so that the engine as uid 10002 can make its socket there: private to it.
    stack = await Stack.create(images, () => ({
      services: { engine: { user: '10002:10002' } },
      volumes: { ring: { driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'size=40m,mode=1777' } } },
    }));
    await stack.compose(['up', '-d']);
    const found = await lines(stack, 2, 'the socket /run/tandem/control.sock belongs to uid 10002 and this collector runs as uid 10001; run the engine and the collector as the same user');
    expect(found[0]).toMatch(/^Error: failed to start the engine: the engine's control endpoint unix:\/\/\/run\/tandem\/control\.sock did not answer within 10000 ms/);
  });

  test('a read-only shared volume in the collector: each attempt says so and what to mount', async () => {
    stack = await Stack.create(images, () => ({ services: { collector: { volumes: ['ring:/run/tandem:ro'] } } }));
    await stack.compose(['up', '-d']);
    const found = await lines(stack, 2, 'runtime.rust.ipc.shm_dir /run/tandem is on a read-only filesystem: mount the volume shared with the engine there, writable by this user');
    expect(found[0]).toMatch(/^Error: failed to start the engine: runtime\.rust\.ipc\.shm_dir/);
  });
});
