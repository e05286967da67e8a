// Loaded with `node --require` into every benchmarked process: reports its own peak RSS (kB) and
// CPU time (µs, all threads) on exit. VmHWM from /proc is per process image; getrusage's maxRSS can
// carry over the parent's at fork.
const { readFileSync, writeFileSync } = require('node:fs');
const file = process.env.MESHY_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    let kb = process.resourceUsage().maxRSS;
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      if (match) kb = Number(match[1]);
    } catch {}
    const cpu = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ kb, cpuUs: cpu.user + cpu.system }));
  });
}
