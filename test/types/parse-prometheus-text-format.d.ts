/** Types for `parse-prometheus-text-format` (it ships none): prom2json-shaped families. */
declare module 'parse-prometheus-text-format' {
  type Labels = Record<string, string>;
  type Metric =
    | { value: string; labels?: Labels }
    | { buckets: Record<string, string>; count: string; sum: string; labels?: Labels }
    | { quantiles: Record<string, string>; count: string; sum: string; labels?: Labels };
  interface Family {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Metric[];
  }
  export default function parse(text: string): Family[];
}
