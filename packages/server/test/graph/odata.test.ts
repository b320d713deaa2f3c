import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  applyODataQuery, filterPredicate, isODataError, nextLink, parseODataQuery,
  type ODataOptions, type ODataQuery, type RawQuery,
} from '../../src/surfaces/graph/odata.js';

interface Contract {
  id: string;
  '@odata.etag'?: string;
  displayName: string | null;
  customerId: string;
  customer: { tenantId: string };
  contractType: string;
  createdDateTime: string;
  accountEnabled: boolean;
  notes?: string;
}

const OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.contract',
  filterable: {
    id: 'guid', displayName: 'string', customerId: 'guid', 'customer/tenantId': 'guid',
    contractType: 'enum', createdDateTime: 'dateTime', accountEnabled: 'boolean',
  },
  selectable: ['id', 'displayName', 'customerId', 'customer', 'contractType', 'createdDateTime', 'accountEnabled', 'notes'],
  orderable: ['id', 'displayName', 'contractType', 'createdDateTime', 'customer/tenantId'],
};

const guid = (n: number) => `${String(n).padStart(8, '0')}-0000-4000-8000-00000000000${n % 10}`;
const TENANT_A = 'aaaaaaaa-1111-4111-8111-111111111111';
const TENANT_B = 'bbbbbbbb-2222-4222-8222-222222222222';

function contract(n: number, displayName: string | null, contractType: string, createdDateTime: string, tenantId = TENANT_A): Contract {
  return {
    id: guid(n), '@odata.etag': `W/"${n}"`, displayName, customerId: guid(100 + n), customer: { tenantId },
    contractType, createdDateTime, accountEnabled: n % 2 === 1,
  };
}

const CONTRACTS: Contract[] = [
  contract(1, 'Contoso', 'ResellerPartner', '2026-01-05T10:00:00Z'),
  contract(2, 'Fabrikam', 'ResellerPartner', '2025-12-01T00:00:00Z', TENANT_B),
  contract(3, "O'Brien Ltd", 'SyndicationPartner', '2026-02-01T00:00:00Z'),
  contract(4, 'contoso east', 'BreadthPartner', '2026-01-01T01:00:00+02:00', TENANT_B),
  contract(5, null, 'ResellerPartner', '2026-03-01T00:00:00Z'),
  contract(6, 'Adatum', 'SyndicationPartner', '2026-01-01T00:00:00Z'),
  contract(7, 'Northwind', 'BreadthPartner', '2025-06-15T12:30:00Z', TENANT_B),
];

function parse(query: RawQuery, options: ODataOptions = OPTIONS): ODataQuery {
  const parsed = parseODataQuery(query, options);
  if (isODataError(parsed)) assert.fail(`unexpected error: ${parsed.error.message}`);
  return parsed;
}

/** The error message, after checking the error's shape and that the message names every `mentions`. */
function refused(query: RawQuery, mentions: string[], options: ODataOptions = OPTIONS): string {
  const parsed = parseODataQuery(query, options);
  assert.ok(isODataError(parsed), `expected an error for ${JSON.stringify(query)}`);
  assert.equal(parsed.error.code, 'badRequest');
  for (const mention of mentions) assert.ok(parsed.error.message.includes(mention), `"${parsed.error.message}" should mention ${mention}`);
  return parsed.error.message;
}

function run(query: RawQuery, items: Contract[] = CONTRACTS) {
  return applyODataQuery(items, parse(query));
}

const ids = (page: object[]) => page.map((item) => (item as { id: string }).id);
const numbers = (page: object[]) => ids(page).map((id) => Number(id.slice(0, 8)));

describe('option names', () => {
  test('defaults: everything, in the given order, 100 to a page, no count', () => {
    const query = parse({});
    assert.deepEqual({ ...query, fingerprint: '' }, { filter: [], select: null, orderBy: [], top: 100, count: false, offset: 0, fingerprint: '' });
    const result = applyODataQuery(CONTRACTS, query);
    assert.deepEqual(result, { page: CONTRACTS });
  });

  test('are accepted with or without $, in any case, and so are property names', () => {
    const query = parse({ $TOP: '2', Filter: "DisplayName eq 'contoso'", $OrderBy: 'CreatedDateTime DESC', count: 'TRUE', $Select: 'DISPLAYNAME' });
    assert.equal(query.top, 2);
    assert.equal(query.count, true);
    assert.deepEqual(query.select, ['displayName']);
    assert.deepEqual(query.orderBy, [{ property: 'createdDateTime', propertyKind: 'dateTime', descending: true }]);
    assert.deepEqual(query.filter, [{ kind: 'compare', property: 'displayName', propertyKind: 'string', operator: 'eq', value: 'contoso' }]);
  });

  test('plain parameters that are not options are left to the route; unknown $-options are refused', () => {
    assert.equal(parse({ 'api-version': '2024-01-01', top: '3' }).top, 3);
    refused({ $foo: '1' }, ["'$foo'"]);
  });

  test('a repeated option is refused, including the same option spelled two ways', () => {
    refused({ $filter: ["displayName eq 'a'", "displayName eq 'b'"] }, ['$filter', 'more than once']);
    refused({ $top: '1', top: '2' }, ['$top', 'more than once']);
    refused({ $skipToken: 'x', $skiptoken: 'y' }, ['$skiptoken', 'more than once']);
  });

  test('$expand, $search and $skip are refused by name', () => {
    refused({ $expand: 'customer' }, ["'$expand'", 'not supported']);
    refused({ $search: '"displayName:con"' }, ["'$search'", 'not supported']);
    refused({ $skip: '10' }, ["'$skip'", 'not supported']);
    refused({ expand: 'customer' }, ["'expand'", 'not supported']);
  });

  test('undefined values count as absent', () => {
    assert.equal(parse({ $top: undefined, $filter: undefined }).top, 100);
  });
});

describe('$filter', () => {
  test('eq on a string ignores case, as Graph does for directory objects', () => {
    assert.deepEqual(numbers(run({ $filter: "displayName eq 'CONTOSO'" }).page), [1]);
  });

  test('ne keeps items whose value differs, null included', () => {
    assert.deepEqual(numbers(run({ $filter: "displayName ne 'contoso'" }).page), [2, 3, 4, 5, 6, 7]);
  });

  test('eq on an enumeration is exact', () => {
    assert.deepEqual(numbers(run({ $filter: "contractType eq 'BreadthPartner'" }).page), [4, 7]);
    assert.deepEqual(run({ $filter: "contractType eq 'breadthpartner'" }).page, []);
  });

  test('GUIDs: on a nested path, bare or quoted, in any case', () => {
    for (const literal of [TENANT_B, `'${TENANT_B}'`, TENANT_B.toUpperCase()]) {
      assert.deepEqual(numbers(run({ $filter: `customer/tenantId eq ${literal}` }).page), [2, 4, 7], literal);
    }
    assert.deepEqual(numbers(run({ $filter: `id eq ${guid(3).toUpperCase()}` }).page), [3]);
  });

  test('null, true and false', () => {
    assert.deepEqual(numbers(run({ $filter: 'displayName eq null' }).page), [5]);
    assert.deepEqual(numbers(run({ $filter: 'displayName ne null' }).page), [1, 2, 3, 4, 6, 7]);
    assert.deepEqual(numbers(run({ $filter: 'accountEnabled eq false' }).page), [2, 4, 6]);
    assert.deepEqual(numbers(run({ $filter: 'accountEnabled ne true' }).page), [2, 4, 6]);
  });

  test('date-times compare as instants, unquoted, with eq and ranges', () => {
    assert.deepEqual(numbers(run({ $filter: 'createdDateTime eq 2026-01-05T10:00:00.000Z' }).page), [1]);
    assert.deepEqual(numbers(run({ $filter: 'createdDateTime eq 2025-12-31T23:00:00Z' }).page), [4]); // stored as +02:00
    assert.deepEqual(numbers(run({ $filter: 'createdDateTime ge 2026-01-01T00:00:00Z' }).page), [1, 3, 5, 6]);
    assert.deepEqual(numbers(run({ $filter: 'createdDateTime lt 2026-01-01T00:00:00Z' }).page), [2, 4, 7]);
    assert.deepEqual(numbers(run({ $filter: 'createdDateTime gt 2026-01-05T10:00:00Z and createdDateTime le 2026-03-01T00:00:00Z' }).page), [3, 5]);
  });

  test('and, with or without parentheses', () => {
    const expected = [1];
    assert.deepEqual(numbers(run({ $filter: `contractType eq 'ResellerPartner' and customer/tenantId eq ${TENANT_A} and displayName ne null` }).page), expected);
    assert.deepEqual(numbers(run({ $filter: `(contractType eq 'ResellerPartner') and (customer/tenantId eq ${TENANT_A}) and (displayName ne null)` }).page), expected);
    assert.deepEqual(numbers(run({ $filter: `((contractType eq 'ResellerPartner' AND customer/tenantId eq ${TENANT_A})) and displayName ne null` }).page), expected);
  });

  test("or, with and binding tighter, inside parentheses, and 'in' as any of the equalities", () => {
    const all = numbers(run({}).page);
    const either = numbers(run({ $filter: `customer/tenantId eq ${TENANT_A} or customer/tenantId eq ${TENANT_B}` }).page);
    assert.deepEqual(either, all.filter((n) => CONTRACTS[n - 1]!.customer.tenantId === TENANT_A || CONTRACTS[n - 1]!.customer.tenantId === TENANT_B));
    const reseller = numbers(run({ $filter: "contractType eq 'ResellerPartner'" }).page);
    const named = numbers(run({ $filter: 'displayName eq null' }).page);
    assert.deepEqual(numbers(run({ $filter: "contractType eq 'ResellerPartner' or displayName eq null" }).page), all.filter((n) => reseller.includes(n) || named.includes(n)));
    // 'and' before 'or': a or (b and c); parentheses change it.
    const tenantA = numbers(run({ $filter: `customer/tenantId eq ${TENANT_A}` }).page);
    assert.deepEqual(numbers(run({ $filter: `displayName eq null or contractType eq 'ResellerPartner' and customer/tenantId eq ${TENANT_A}` }).page),
      all.filter((n) => named.includes(n) || (reseller.includes(n) && tenantA.includes(n))));
    assert.deepEqual(numbers(run({ $filter: `(displayName eq null or contractType eq 'ResellerPartner') and customer/tenantId eq ${TENANT_A}` }).page),
      all.filter((n) => (named.includes(n) || reseller.includes(n)) && tenantA.includes(n)));
    assert.deepEqual(numbers(run({ $filter: `customer/tenantId in (${TENANT_A}, '${TENANT_B}')` }).page), either);
    assert.deepEqual(numbers(run({ $filter: "contractType in ('ResellerPartner')" }).page), reseller);
  });

  test('parentheses nest up to 32 deep; deeper is a bad request, not a stack overflow', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}contractType eq 'ResellerPartner'${')'.repeat(depth)}`;
    assert.deepEqual(numbers(run({ $filter: `${nested(32)} and customer/tenantId eq ${TENANT_A}` }).page), [1, 5]);
    refused({ $filter: nested(33) }, ['nest more than 32 deep']);
    refused({ $filter: `${'('.repeat(20_000)}status eq 'active'` }, ['nest more than 32 deep']);
  });

  test('startswith ignores case and combines with and', () => {
    assert.deepEqual(numbers(run({ $filter: "startswith(displayName,'con')" }).page), [1, 4]);
    assert.deepEqual(numbers(run({ $filter: `startswith(displayName, 'CON') and customer/tenantId eq ${TENANT_B}` }).page), [4]);
    assert.deepEqual(parse({ $filter: "startswith(displayName,'O''B')" }).filter, [
      { kind: 'startswith', property: 'displayName', propertyKind: 'string', prefix: "O'B" },
    ]);
  });

  test("quoted strings unescape '' to a quote and keep spaces, commas and parentheses", () => {
    assert.deepEqual(numbers(run({ $filter: "displayName eq 'O''Brien Ltd'" }).page), [3]);
    const tricky = contract(8, "it's (a, b) '' and or", 'ResellerPartner', '2026-01-01T00:00:00Z');
    const query = parse({ $filter: "displayName eq 'it''s (a, b) '''' and or'" });
    assert.deepEqual(query.filter[0], { kind: 'compare', property: 'displayName', propertyKind: 'string', operator: 'eq', value: "it's (a, b) '' and or" });
    assert.deepEqual(numbers(applyODataQuery([...CONTRACTS, tricky], query).page), [8]);
  });

  const badFilters: [string, string[]][] = [
    ["foo eq 'x'", ["Could not find a property named 'foo' on type 'microsoft.graph.contract'"]],
    ["customer/name eq 'x'", ["'customer/name'"]],
    ["notes eq 'x'", ["filtering on property 'notes' is not supported"]],
    ["customerId eq 'not-a-guid'", ["'not-a-guid'", 'GUID', 'customerId']],
    ['customerId eq 12345', ["'12345'", 'GUID']],
    ["displayName eq 'Contoso", ["'Contoso", 'unterminated']],
    ["displayName eq 'a' or", ['ends unexpectedly']],
    ["contractType in ('ResellerPartner'", ['ends unexpectedly']],
    ["contractType in ('ResellerPartner' 'x')", ["expected ')'"]],
    ['contractType in (ResellerPartner)', ["'ResellerPartner'", 'quoted']],
    ["contractType in 'ResellerPartner'", ["expected '('"]],
    ["not displayName eq 'a'", ["'not'"]],
    ["contains(displayName,'a')", ["'contains'"]],
    ["createdDateTime eq '2026-01-01T00:00:00Z'", ["'2026-01-01T00:00:00Z'", 'unquoted']],
    ['createdDateTime eq 2026-02-30T00:00:00Z', ['2026-02-30T00:00:00Z']],
    ['createdDateTime eq yesterday', ["'yesterday'"]],
    ['displayName eq Contoso', ["'Contoso'", 'quoted string']],
    ["contractType eq BreadthPartner", ["'BreadthPartner'", 'quoted']],
    ["accountEnabled eq 'true'", ["'true'", 'true or false']],
    ["displayName gt 'a'", ["'gt'", 'displayName']],
    ["displayName like 'a'", ["'like'"]],
    ["displayName eq 'a' extra", ["'extra'"]],
    ["(displayName eq 'a'", ["(displayName eq 'a'", 'ends unexpectedly']],
    ["displayName eq 'a')", ["')'"]],
    ['', ['empty']],
    ['   ', ['empty']],
    ["startswith(customerId,'a')", ["'customerId'", 'string property']],
    ['startswith(displayName, Con)', ["'Con'", 'quoted string prefix']],
    ["startswith(displayName 'Con')", ["','", "'Con'"]],
    ['createdDateTime gt null', ["'gt'", 'null']],
    ["'Contoso' eq displayName", ["'Contoso'", 'property name']],
  ];
  for (const [filter, mentions] of badFilters) {
    test(`refuses ${JSON.stringify(filter)}`, () => {
      const message = refused({ $filter: filter }, mentions);
      assert.match(message, /^(Invalid filter clause: |Could not find a property)/);
    });
  }
});

describe('$select', () => {
  test('projects the selected properties, always keeping @odata.etag and id', () => {
    const { page } = run({ $select: 'displayName, customerId', $filter: "displayName eq 'Contoso'" });
    assert.deepEqual(page, [{ '@odata.etag': 'W/"1"', id: guid(1), displayName: 'Contoso', customerId: guid(101) }]);
    assert.deepEqual(Object.keys(page[0]!), ['@odata.etag', 'id', 'displayName', 'customerId']);
  });

  test('an unset selected property comes back as null; one without etag has none; duplicates collapse', () => {
    const item = { ...contract(1, 'Contoso', 'ResellerPartner', '2026-01-01T00:00:00Z') };
    delete item['@odata.etag'];
    const { page } = applyODataQuery([item], parse({ $select: 'notes,Id,notes' }));
    assert.deepEqual(page, [{ id: guid(1), notes: null }]);
  });

  test('selecting a whole object keeps it as is', () => {
    const { page } = run({ $select: 'customer', $top: '1' });
    assert.deepEqual(page, [{ '@odata.etag': 'W/"1"', id: guid(1), customer: { tenantId: TENANT_A } }]);
  });

  test('unknown, nested and empty names are refused', () => {
    refused({ $select: 'displayName,foo' }, ["Could not find a property named 'foo' on type 'microsoft.graph.contract'."]);
    refused({ $select: 'customer/tenantId' }, ["'customer/tenantId'"]);
    refused({ $select: 'displayName,,id' }, ["'displayName,,id'"]);
    refused({ $select: '' }, ['$select']);
  });
});

describe('$top', () => {
  const many = Array.from({ length: 320 }, (_, i) => contract(i + 1, `c${i}`, 'ResellerPartner', '2026-01-01T00:00:00Z'));

  test('pages 100 by default, and up to 300 when asked', () => {
    assert.equal(applyODataQuery(many, parse({})).page.length, 100);
    assert.equal(applyODataQuery(many, parse({ $top: '300' })).page.length, 300);
    assert.equal(applyODataQuery(many, parse({ $top: '1' })).page.length, 1);
  });

  test('refuses 301 and anything that is not an integer from 1 to 300', () => {
    refused({ $top: '301' }, ['The $top value must be between 1 and 300.', "'301'"]);
    for (const top of ['0', '-1', 'abc', '2.5', '', '1e2']) refused({ $top: top }, ['between 1 and 300', `'${top}'`]);
  });

  test('maxTop and defaultTop are configurable', () => {
    const options = { ...OPTIONS, maxTop: 50, defaultTop: 10 };
    assert.equal(parse({}, options).top, 10);
    assert.equal(parse({ $top: '50' }, options).top, 50);
    refused({ $top: '51' }, ['between 1 and 50', "'51'"], options);
  });
});

describe('$orderby', () => {
  test('ascending puts null first; descending puts it last', () => {
    assert.deepEqual(numbers(run({ $orderby: 'displayName' }).page), [5, 6, 1, 4, 2, 7, 3]);
    assert.deepEqual(numbers(run({ $orderby: 'displayName asc' }).page), [5, 6, 1, 4, 2, 7, 3]);
    assert.deepEqual(numbers(run({ $orderby: 'displayName desc' }).page), [3, 7, 2, 4, 1, 6, 5]);
  });

  test('date-times order as instants, not as text', () => {
    // 4 is 2026-01-01T01:00:00+02:00, two hours before 6's 2026-01-01T00:00:00Z.
    assert.deepEqual(numbers(run({ $orderby: 'createdDateTime' }).page), [7, 2, 4, 6, 1, 3, 5]);
  });

  test('several keys, and nested paths', () => {
    assert.deepEqual(numbers(run({ $orderby: 'contractType, createdDateTime desc' }).page), [4, 7, 5, 1, 2, 3, 6]);
    assert.deepEqual(numbers(run({ $orderby: 'customer/tenantId desc,displayName' }).page), [4, 2, 7, 5, 6, 1, 3]);
  });

  test('ties break by id, whatever the input order', () => {
    const shuffled = [CONTRACTS[6]!, CONTRACTS[0]!, CONTRACTS[4]!, CONTRACTS[1]!];
    assert.deepEqual(numbers(applyODataQuery(shuffled, parse({ $orderby: 'contractType' })).page), [7, 1, 2, 5]);
    assert.deepEqual(numbers(applyODataQuery(shuffled, parse({ $orderby: 'contractType desc' })).page), [1, 2, 5, 7]);
  });

  test('combines with $filter, $select, $top and $count', () => {
    const result = run({ $filter: "contractType ne 'BreadthPartner' and displayName ne null", $orderby: 'displayName desc', $top: '2', $select: 'displayName', $count: 'true' });
    assert.deepEqual(result.page, [
      { '@odata.etag': 'W/"3"', id: guid(3), displayName: "O'Brien Ltd" },
      { '@odata.etag': 'W/"2"', id: guid(2), displayName: 'Fabrikam' },
    ]);
    assert.equal(result.count, 4);
    assert.equal(typeof result.nextSkipToken, 'string');
  });

  test('refuses unknown or unorderable properties, bad directions, duplicates and junk', () => {
    refused({ $orderby: 'foo' }, ["Could not find a property named 'foo'"]);
    refused({ $orderby: 'accountEnabled desc' }, ["Ordering by property 'accountEnabled' is not supported."]);
    refused({ $orderby: 'displayName up' }, ["'up'", "'displayName up'"]);
    refused({ $orderby: 'displayName, DisplayName desc' }, ["'DisplayName'", 'Duplicate']);
    refused({ $orderby: 'displayName asc extra' }, ["'displayName asc extra'"]);
    refused({ $orderby: 'displayName,' }, ["'displayName,'"]);
  });
});

describe('$count', () => {
  test('counts every match before paging; absent or false means no count', () => {
    assert.equal(run({ $count: 'true', $top: '2', $filter: "contractType eq 'ResellerPartner'" }).count, 3);
    assert.equal(run({ $count: 'true', $top: '2', $filter: "contractType eq 'ResellerPartner'" }).page.length, 2);
    assert.equal('count' in run({ $count: 'false' }), false);
    assert.equal('count' in run({}), false);
    assert.equal(run({ $count: 'true', $filter: "displayName eq 'nobody'" }).count, 0);
  });

  test('refuses anything but true or false', () => {
    refused({ $count: 'yes' }, ["'yes'", '$count']);
    refused({ $count: '1' }, ["'1'", '$count']);
  });
});

describe('paging with $skiptoken', () => {
  const BASE = 'https://graph.example/v1.0/contracts';
  const many = Array.from({ length: 25 }, (_, i) => contract(i + 1, `Contract ${String.fromCharCode(122 - i)}`, i % 5 === 0 ? 'BreadthPartner' : 'ResellerPartner', '2026-01-01T00:00:00Z'));

  /** The query a client sends when it follows a nextLink, as a router would hand it over. */
  function queryOf(link: string): RawQuery {
    const query: RawQuery = {};
    for (const [name, value] of new URL(link).searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    return query;
  }

  function pageThrough(first: RawQuery, items: Contract[]) {
    const pages: object[][] = [];
    const links: string[] = [];
    const counts: (number | undefined)[] = [];
    let raw: RawQuery | undefined = first;
    while (raw) {
      const result = applyODataQuery(items, parse(raw));
      pages.push(result.page);
      counts.push(result.count);
      if (result.nextSkipToken === undefined) break;
      const link = nextLink(BASE, raw, result.nextSkipToken);
      links.push(link);
      raw = queryOf(link);
    }
    return { pages, links, counts };
  }

  test('three pages through nextLink until exhaustion, every match once, in order', () => {
    const first = { $filter: "contractType eq 'ResellerPartner'", $orderby: 'displayName', $top: '8', $count: 'true', $select: 'displayName' };
    const { pages, links, counts } = pageThrough(first, many);
    assert.deepEqual(pages.map((page) => page.length), [8, 8, 4]);
    assert.deepEqual(counts, [20, 20, 20]);
    const all = run({ ...first, $top: '300' }, many).page;
    assert.equal(all.length, 20);
    assert.deepEqual(pages.flat(), all);
    assert.equal(links.length, 2);
    for (const link of links) {
      assert.ok(link.startsWith(`${BASE}?`), link);
      const query = queryOf(link);
      assert.deepEqual({ ...query, $skiptoken: undefined }, { ...first, $skiptoken: undefined });
    }
  });

  test('without $orderby, pages follow the given order', () => {
    const { pages } = pageThrough({ $top: '10' }, many);
    assert.deepEqual(pages.map((page) => page.length), [10, 10, 5]);
    assert.deepEqual(pages.flat(), many);
  });

  test('$skipToken is accepted as spelled by some clients, and a token past the end gives an empty last page', () => {
    const token = run({ $top: '20' }, many).nextSkipToken!;
    const second = applyODataQuery(many, parse({ $top: '20', $skipToken: token }));
    assert.deepEqual(numbers(second.page), [21, 22, 23, 24, 25]);
    assert.equal(second.nextSkipToken, undefined);
    // The same token against a shorter collection (items deleted meanwhile) pages off the end quietly.
    assert.deepEqual(applyODataQuery(many.slice(0, 10), parse({ $top: '20', skiptoken: token })), { page: [] });
  });

  test('a token may be used with a different $top, $select or $count: they do not change the result set', () => {
    const token = run({ $top: '5', $orderby: 'displayName' }, many).nextSkipToken!;
    const next = applyODataQuery(many, parse({ $top: '3', $orderby: 'displayName', $select: 'displayName', $count: 'true', $skiptoken: token }));
    assert.deepEqual(ids(next.page), ids(run({ $orderby: 'displayName' }, many).page.slice(5, 8)));
  });

  test('a token is refused with a different $filter or $orderby', () => {
    const token = run({ $top: '5', $filter: "contractType eq 'ResellerPartner'", $orderby: 'displayName' }, many).nextSkipToken!;
    const differentFor = 'was issued for a different $filter or $orderby';
    refused({ $filter: "contractType eq 'BreadthPartner'", $orderby: 'displayName', $skiptoken: token }, [token, differentFor]);
    refused({ $filter: "contractType eq 'ResellerPartner'", $orderby: 'displayName desc', $skiptoken: token }, [token, differentFor]);
    refused({ $orderby: 'displayName', $skiptoken: token }, [token, differentFor]);
    // Spelling and spacing do not matter: the token binds to the parsed options.
    assert.equal(parse({ Filter: "ContractType  eq  'ResellerPartner'", OrderBy: 'DisplayName ASC', $skiptoken: token }).offset, 5);
  });

  test('tampered, forged and garbage tokens are refused', () => {
    const token = run({ $top: '5' }, many).nextSkipToken!;
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    refused({ $skiptoken: flipped }, [flipped, 'is not valid']);
    refused({ $skiptoken: token.slice(0, -3) }, ['is not valid']);
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o: number };
    const forged = Buffer.from(JSON.stringify({ ...decoded, o: 20 })).toString('base64url');
    refused({ $skiptoken: forged }, [forged, 'is not valid']);
    for (const garbage of ['abc!', 'not a token', Buffer.from('[1,2]').toString('base64url'), Buffer.from('null').toString('base64url'), '']) {
      refused({ $skiptoken: garbage }, [`'${garbage}'`, 'is not valid']);
    }
  });
});

describe('nextLink', () => {
  test('keeps the other options, encodes their values, and replaces any $skiptoken spelling', () => {
    const link = nextLink('https://graph.example/v1.0/contracts?old=1', {
      $filter: "displayName eq 'A & B'", top: '5', $skipToken: 'old', 'api-version': '1', absent: undefined,
    }, 'NEW');
    assert.equal(link, "https://graph.example/v1.0/contracts?$filter=displayName%20eq%20'A%20%26%20B'&top=5&api-version=1&$skiptoken=NEW");
    assert.equal(new URL(link).searchParams.get('$filter'), "displayName eq 'A & B'");
  });

  test('repeats a repeated parameter as it came', () => {
    assert.equal(nextLink('/v1.0/x', { tag: ['a', 'b'] }, 't'), '/v1.0/x?tag=a&tag=b&$skiptoken=t');
  });
});

describe('filterPredicate and custom valueOf', () => {
  interface Row { key: string; name: string | null; tenant: string }
  const rows: Row[] = CONTRACTS.map((c) => ({ key: c.id, name: c.displayName, tenant: c.customer.tenantId }));
  const valueOf = (row: Row, path: string): unknown => ({ id: row.key, displayName: row.name, 'customer/tenantId': row.tenant })[path];

  test('filters any item shape through valueOf', () => {
    const query = parse({ $filter: `startswith(displayName,'C') and customer/tenantId eq ${TENANT_B}` });
    assert.deepEqual(rows.filter(filterPredicate(query, valueOf)).map((row) => row.name), ['contoso east']);
  });

  test('defaults to walking / paths, and with no $filter accepts everything', () => {
    assert.equal(CONTRACTS.filter(filterPredicate(parse({ $filter: `customer/tenantId eq ${TENANT_A}` }))).length, 4);
    assert.equal(CONTRACTS.filter(filterPredicate(parse({}))).length, 7);
  });

  test('applyODataQuery orders through valueOf too', () => {
    const { page } = applyODataQuery(rows, parse({ $orderby: 'customer/tenantId desc, displayName', $top: '3' }), valueOf);
    assert.deepEqual(page.map((row) => (row as Row).name), ['contoso east', 'Fabrikam', 'Northwind']);
  });

  test('Date values and missing nested objects are handled', () => {
    const items = [{ id: 'b', createdDateTime: new Date('2026-01-02T00:00:00Z') }, { id: 'a', createdDateTime: undefined }];
    const query = parse({ $filter: 'createdDateTime ge 2026-01-01T00:00:00Z' });
    assert.deepEqual(applyODataQuery(items, query).page.map((item) => item.id), ['b']);
    assert.deepEqual(applyODataQuery([{ id: 'x' }], parse({ $filter: `customer/tenantId eq ${TENANT_A}` })).page, []);
  });
});

describe('properties', () => {
  test('paging with any $top returns exactly the single-page result, in order', () => {
    const item = fc.record({
      name: fc.option(fc.constantFrom('alpha', 'Alpha', 'beta', "o'neil", 'Gamma'), { nil: null }),
      type: fc.constantFrom('ResellerPartner', 'BreadthPartner'),
      day: fc.integer({ min: 1, max: 28 }),
    });
    const filters = fc.constantFrom(undefined, "contractType eq 'ResellerPartner'", "startswith(displayName,'a')", 'displayName ne null');
    const orders = fc.constantFrom(undefined, 'displayName', 'displayName desc, createdDateTime', 'contractType desc');
    fc.assert(fc.property(fc.array(item, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), filters, orders, (specs, top, filter, orderby) => {
      const items = specs.map((spec, i) => contract(i + 1, spec.name, spec.type, `2026-01-${String(spec.day).padStart(2, '0')}T00:00:00Z`));
      const base: RawQuery = { $filter: filter, $orderby: orderby };
      const whole = applyODataQuery(items, parse({ ...base, $top: '300' })).page;
      const seen: object[] = [];
      let token: string | undefined;
      do {
        const result = applyODataQuery(items, parse({ ...base, $top: String(top), $skiptoken: token }));
        assert.ok(result.page.length <= top);
        seen.push(...result.page);
        token = result.nextSkipToken;
      } while (token !== undefined);
      assert.deepEqual(seen, whole);
    }));
  });
});
