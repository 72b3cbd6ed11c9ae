/**
 * The audit's image driver (jpeg.py, formats.py): reads a JSON array of `[jpegPath, outPath]` from stdin, decodes each as the CLI does
 * (`decodeImageBytes`) and writes its RGB bytes to outPath; one JSON line per file,
 * `{"width", "height"}` or `{"error"}`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeImageBytes } from '../../src/model/image/decode.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
for (const [path, out] of JSON.parse(Buffer.concat(chunks).toString('utf8')) as [string, string][]) {
  try {
    const { image } = decodeImageBytes(new Uint8Array(readFileSync(path)));
    writeFileSync(out, image.data);
    process.stdout.write(JSON.stringify({ width: image.width, height: image.height }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: (e as Error).message }) + '\n');
  }
}
