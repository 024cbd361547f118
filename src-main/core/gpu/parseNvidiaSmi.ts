import { XMLParser } from 'fast-xml-parser';
import type { GpuSnapshot } from '../../../shared/gpu.ts';
import { parseGpuElement } from './parseGpuElement.ts';
import { isXmlNode, list, text } from './nvidiaSmiValues.ts';

/** The output was not a complete `nvidia-smi -q -x` document; the message says what was wrong. */
export class NvidiaSmiParseError extends Error {
  override name = 'NvidiaSmiParseError';
}

const ROOT = 'nvidia_smi_log';
const ALWAYS_ARRAYS = new Set(['gpu', 'process_info', 'mig_device']);

// Sections never read. As stop nodes their contents are kept as raw text instead of being parsed
// into objects, which roughly halves the parse time: <supported_clocks> alone is half of a capture.
const UNREAD_SECTIONS = [
  'supported_clocks',
  'retired_pages',
  'remapped_rows',
  'inforom_version',
  'encoder_stats',
  'fbc_stats',
  'max_clocks',
  'applications_clocks',
  'default_applications_clocks',
  'accounted_processes',
  'bar1_memory_usage',
  'clock_policy',
  'fabric',
  'module_power_readings',
  'clocks_event_reasons_counters',
];

const parser = new XMLParser({
  parseTagValue: false,
  trimValues: true,
  ignoreAttributes: false,
  isArray: (name) => ALWAYS_ARRAYS.has(name),
  // Nothing here needs the path of a tag as a string; not building one for every tag saves ~10%.
  jPath: false,
  stopNodes: UNREAD_SECTIONS.map((name) => `${ROOT}.gpu.${name}`),
});

function preview(s: string): string {
  const flat = s.trim().replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}

/**
 * Parses the output of `nvidia-smi -q -x` from any driver generation (375 to 595 are covered by the
 * fixtures). Values that are missing or that nvidia-smi prints as N/A are null, never 0 or NaN.
 * GPUs are sorted by index (minor_number, else document position) because some drivers list them
 * out of order and every view shows GPU 0 first.
 */
export function parseNvidiaSmiXml(xml: string, host: string, at: number): GpuSnapshot {
  if (typeof xml !== 'string' || xml.trim() === '') {
    throw new NvidiaSmiParseError('nvidia-smi printed nothing; expected the XML document of `nvidia-smi -q -x`');
  }
  if (!xml.trimStart().startsWith('<')) {
    throw new NvidiaSmiParseError(`not nvidia-smi XML: expected root element <${ROOT}>, found text ("${preview(xml)}")`);
  }
  // A document cut short (a killed nvidia-smi, a dropped SSH stream) is told apart before parsing:
  // the parser would either fail on whichever tag was cut, or accept it as if the tags were there.
  if (xml.includes(`<${ROOT}>`) && !xml.includes(`</${ROOT}>`)) {
    throw new NvidiaSmiParseError(`nvidia-smi XML ends before </${ROOT}>: the output was cut short`);
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new NvidiaSmiParseError(`nvidia-smi output is not well-formed XML: ${(err as Error).message}`);
  }
  const rootNames = isXmlNode(doc) ? Object.keys(doc).filter((name) => !name.startsWith('?')) : [];
  if (!rootNames.includes(ROOT)) {
    const found = rootNames.length > 0 ? `<${rootNames[0]}>` : `no XML element (output starts "${preview(xml)}")`;
    throw new NvidiaSmiParseError(`not nvidia-smi XML: expected root element <${ROOT}>, found ${found}`);
  }
  const root = isXmlNode(doc) ? doc[ROOT] : undefined;
  const gpus = list(root, 'gpu')
    .map((gpu, position) => parseGpuElement(gpu, position))
    .sort((a, b) => a.index - b.index);
  return {
    host,
    at,
    driverVersion: text(isXmlNode(root) ? root.driver_version : undefined),
    cudaVersion: text(isXmlNode(root) ? root.cuda_version : undefined),
    gpus,
  };
}
