import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
const q = async (s) => { const r = await c.runAndReadAll(s); console.table(r.getRowObjectsJson()); };
await q(`select line_item_product_code p, line_item_usage_type ut, pricing_unit u, product_instance_type it, product_region r, count(*) n, sum(line_item_usage_amount) s, sum(line_item_unblended_cost) usd from read_parquet('/work/shared/reference/samples/aws/Nov*.parquet') where line_item_line_item_type in ('Usage','DiscountedUsage') group by all order by n desc limit 150`);
