import { readFileSync } from 'node:fs';
import { parseNvidiaSmiXml } from './src-main/core/gpu/parseNvidiaSmi.ts';
const xml = readFileSync('test/fixtures/nvidia-smi/datakit__gtx-8card.xml', 'utf8');
const t0 = performance.now();
for (let i = 0; i < 400; i++) parseNvidiaSmiXml(xml, 'l', 0);
console.log('avg', ((performance.now() - t0) / 400).toFixed(2));
