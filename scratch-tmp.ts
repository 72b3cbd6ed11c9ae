import { parseJson } from './src/model/weights/json.ts';
for (const n of [100_000, 400_000, 1_400_000]) {
  let parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
  const many = `{${parts.join(',')}}`;
  let t0 = performance.now();
  JSON.parse(many); const a = performance.now() - t0; t0 = performance.now();
  parseJson(many); const b = performance.now() - t0;
  const arr = `[${parts.map(p => p.slice(p.indexOf(':') + 1)).join(',')}]`;
  t0 = performance.now(); JSON.parse(arr); const c = performance.now() - t0;
  console.log(n, 'JSON.parse', a.toFixed(0), 'parseJson', b.toFixed(0), 'JSON.parse array', c.toFixed(0));
}
