DROP TABLE sync_runs;
DROP TABLE calendar_events;
DROP TABLE product_sales_daily;
DROP TABLE sales_daily;
DROP TABLE sale_items;
DROP TABLE sales;
DROP TABLE products;
DROP TABLE customers;
