-- Schema, inserts, joins, aggregates, window functions, CTEs, JSON, printf.
CREATE TABLE dept(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER REFERENCES dept(id), salary REAL, hired TEXT);
INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'sales');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO emp SELECT i, 'emp' || i, 1 + i % 3, 1000 + (i * 37) % 900 + i / 7.0, date('2020-01-01', '+' || i || ' days') FROM n;
SELECT count(*), sum(salary), printf('%.3f', avg(salary)), min(hired), max(hired) FROM emp;
SELECT d.name, count(*), printf('%.2f', avg(e.salary)), max(e.salary) FROM emp e JOIN dept d ON d.id = e.dept GROUP BY d.name ORDER BY d.name;
SELECT id, name, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp WHERE id % 50 = 0 ORDER BY id;
SELECT name, printf('%.2f', sum(salary) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)) FROM emp WHERE id <= 8;
CREATE INDEX emp_salary ON emp(salary);
SELECT id FROM emp WHERE salary BETWEEN 1500 AND 1510 ORDER BY salary, id;
UPDATE emp SET salary = salary * 1.1 WHERE dept = 2;
DELETE FROM emp WHERE id % 7 = 0;
SELECT count(*), printf('%.4f', total(salary)) FROM emp;
SELECT json_object('a', 1, 'b', json_array(1, 2.5, 'x')), json_extract('{"k":[1,{"z":9}]}', '$.k[1].z');
SELECT upper('abc'), length('héllo'), substr('abcdef', -3, 2), replace('aaa', 'a', 'bb'), hex(zeroblob(3)), quote(x'0a0b');
SELECT 7 / 2, 7 % 3, 7.0 / 2, -7 / 2, 1 << 40, cast('12abc' AS INTEGER), round(2.5), round(-2.5), abs(-9223372036854775807);
SELECT typeof(1), typeof(1.0), typeof('x'), typeof(x'00'), typeof(NULL), 0.1 + 0.2 = 0.3, printf('%.17g', 0.1 + 0.2);
SELECT group_concat(name, '|') FROM (SELECT name FROM emp ORDER BY salary DESC LIMIT 5);
SELECT strftime('%Y-%m-%d %H:%M:%S', '2024-02-29 13:45:10', '+1 year'), julianday('2000-01-01');
CREATE TABLE t2(a, b, UNIQUE(a));
INSERT INTO t2 VALUES (1, 'x') ON CONFLICT(a) DO UPDATE SET b = 'dup';
INSERT INTO t2 VALUES (1, 'y') ON CONFLICT(a) DO UPDATE SET b = b || excluded.b;
SELECT * FROM t2;
SELECT e.id FROM emp e WHERE NOT EXISTS (SELECT 1 FROM emp f WHERE f.salary > e.salary) ;
PRAGMA integrity_check;
