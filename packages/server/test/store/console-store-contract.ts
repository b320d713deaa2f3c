/**
 * The store contract for the console's browsing reads (issue 13): partners by name, customers paged by
 * name key then tenant id with a keyset cursor, searched by name or tenant id prefix, narrowed to a
 * partner, and a customer's partners with their DAP flags. Both stores must order alike: the name key
 * folds ASCII letters only and compares by bytes, so a non-ASCII name sorts the same everywhere.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import { PARTNER_WALK_ROWS } from '../../src/store/console-sql.js';
import type { Store, StoredCustomerSummary } from '../../src/store/store.js';
import { DEMO, demoDocument, demoStore, importDocument, NEVER_EXISTED, type OpenStore } from './store-contract.js';

const PARTNER = 'c0501e00-0000-4000-8000-000000000001';
const customerId = (i: number) => `c0501e00-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** One partner whose customers' names differ in case and script: the order they must come back in. */
const NAMES_IN_ORDER = ['alpha', 'Beta', 'beta', 'CHARLIE', 'charlie 2', 'Delta', 'Zulu', 'Ärzte', 'Éclair'];

function namesDocument(): SeedDocument {
  // Listed out of order, with ids out of order too, so nothing comes back in insertion order by luck.
  const order = [4, 8, 0, 6, 2, 7, 1, 5, 3];
  return {
    partners: [{
      tenantId: PARTNER, displayName: 'Console Partner', domain: 'console.example',
      customers: order.map((i) => ({ tenantId: customerId(10 + i), displayName: NAMES_IN_ORDER[i]!, dap: i % 2 === 0 })),
    }],
  };
}

/** Every page, following the cursor, `limit` at a time. */
async function allPages(store: Store, query: { namePrefix?: string; tenantIdPrefix?: string; partnerTenantId?: string }, limit: number): Promise<StoredCustomerSummary[][]> {
  const pages: StoredCustomerSummary[][] = [];
  let after: StoredCustomerSummary | undefined;
  for (;;) {
    const page = await store.customerPage({ ...query, limit, ...(after ? { after: { nameKey: after.nameKey, tenantId: after.tenantId } } : {}) });
    if (page.length === 0) return pages;
    pages.push(page);
    after = page.at(-1);
    assert.ok(pages.length < 100, 'the cursor moves on');
  }
}

export function consoleStoreContract(name: string, open: OpenStore): void {
  describe(`${name} store: the console's browsing reads`, () => {
    test('partners by display name; customer counts per partner', async (t) => {
      const { store } = await demoStore(open, t);
      await importDocument(store, namesDocument());
      assert.deepEqual(await store.partnerTenants(), [
        { tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example' },
        { tenantId: PARTNER, displayName: 'Console Partner', domain: 'console.example' },
        { tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example' },
      ]);
      assert.equal(await store.partnerCustomerCount(DEMO.fabrikam), 5);
      assert.equal(await store.partnerCustomerCount(DEMO.adatum.toUpperCase()), 1);
      assert.equal(await store.partnerCustomerCount(PARTNER), NAMES_IN_ORDER.length);
      assert.equal(await store.partnerCustomerCount(NEVER_EXISTED), 0);
    });

    test('customers by name key (ASCII folded, by bytes) then tenant id, page by page through the cursor', async (t) => {
      const { store } = await demoStore(open, t);
      await importDocument(store, namesDocument());
      const pages = await allPages(store, { partnerTenantId: PARTNER }, 2);
      assert.deepEqual(pages.map((page) => page.length), [2, 2, 2, 2, 1]);
      const names = pages.flat().map((c) => c.displayName);
      assert.deepEqual(names, NAMES_IN_ORDER);
      // Same name key ("beta"): by tenant id.
      const betas = pages.flat().filter((c) => c.nameKey === 'beta');
      assert.deepEqual(betas.map((c) => [c.tenantId, c.displayName]), [[customerId(11), 'Beta'], [customerId(12), 'beta']]);
      assert.equal(pages.flat().find((c) => c.displayName === 'CHARLIE')!.nameKey, 'charlie');
      assert.equal(pages.flat().find((c) => c.displayName === 'Ärzte')!.nameKey, 'Ärzte', 'non-ASCII letters are kept as they are');

      // Every customer of every partner, in one order, whatever the page size.
      const everyone = (await allPages(store, {}, 4)).flat();
      assert.equal(everyone.length, 6 + NAMES_IN_ORDER.length);
      assert.deepEqual((await allPages(store, {}, 100)).flat(), everyone);
      const keys = everyone.map((c) => `${c.nameKey}\u0000${c.tenantId}`);
      assert.deepEqual(keys, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      assert.deepEqual(everyone.find((c) => c.tenantId === DEMO.contoso), { tenantId: DEMO.contoso, displayName: 'Contoso', nameKey: 'contoso' });
    });

    test('search: the start of the name key, or of the tenant id; narrowed to a partner', async (t) => {
      const { store } = await demoStore(open, t);
      await importDocument(store, namesDocument());
      const names = async (query: Parameters<Store['customerPage']>[0]) => (await store.customerPage(query)).map((c) => c.displayName);
      assert.deepEqual(await names({ namePrefix: 'charlie', limit: 10 }), ['CHARLIE', 'charlie 2']);
      assert.deepEqual(await names({ namePrefix: 'charlie ', limit: 10 }), ['charlie 2']);
      assert.deepEqual(await names({ namePrefix: 'nomatch', limit: 10 }), []);
      assert.deepEqual(await names({ namePrefix: 'w', limit: 10 }), ['Woodgrove Bank']);
      assert.deepEqual(await names({ namePrefix: 'Ä', limit: 10 }), ['Ärzte']);
      // A tenant id prefix or a name: either matches, in the one order, paged alike.
      assert.deepEqual(await names({ namePrefix: '13bba13f', tenantIdPrefix: '13bba13f', limit: 10 }), ['Contoso']);
      assert.deepEqual(await names({ namePrefix: DEMO.tailspin, tenantIdPrefix: DEMO.tailspin, limit: 10 }), ['Tailspin Toys']);
      assert.deepEqual(await names({ namePrefix: 'c0501e00', tenantIdPrefix: 'c0501e00', limit: 3 }), NAMES_IN_ORDER.slice(0, 3));
      const [, second] = await allPages(store, { namePrefix: 'c0501e00', tenantIdPrefix: 'c0501e00' }, 3);
      assert.deepEqual(second!.map((c) => c.displayName), NAMES_IN_ORDER.slice(3, 6));
      assert.deepEqual(await names({ namePrefix: 'beta', tenantIdPrefix: 'beta', limit: 10 }), ['Beta', 'beta'], 'not hex: names only');
      // A partner's customers only.
      assert.deepEqual(await names({ partnerTenantId: DEMO.adatum, limit: 10 }), ['Litware Inc.']);
      assert.deepEqual(await names({ partnerTenantId: DEMO.fabrikam.toUpperCase(), namePrefix: 't', limit: 10 }), ['Tailspin Toys']);
      assert.deepEqual(await names({ partnerTenantId: DEMO.adatum, namePrefix: 'contoso', tenantIdPrefix: '13bb', limit: 10 }), []);
      assert.deepEqual(await names({ partnerTenantId: NEVER_EXISTED, limit: 10 }), []);
    });

    test('partners with many customers and with few: the same pages whichever way the store reads them', async (t) => {
      // A partner with fewer than PARTNER_WALK_ROWS customers has them sorted. One with more walks the
      // name index: the big partner finds each page in the walk; the late partner's customers all sort
      // after the big one's, so its walk finds none and the store sorts its customers instead.
      const customers = (prefix: string, name: string, count: number) => Array.from({ length: count }, (_, i) => ({
        tenantId: `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`, displayName: `${name} ${String(i).padStart(5, '0')}`,
      }));
      const big = customers('c0b16000', 'Big', PARTNER_WALK_ROWS + 300);
      const late = customers('c01a7e00', 'zz late', PARTNER_WALK_ROWS);
      const small = customers('c05a1100', 'zz small', 12);
      const shared = big[7]!;
      const LATE = 'c01a7e00-0000-4000-8000-0000000000ff';
      const { store } = await demoStore(open, t);
      await importDocument(store, {
        partners: [
          { tenantId: PARTNER, displayName: 'Big Partner', domain: 'big.example', customers: big },
          { tenantId: LATE, displayName: 'Late Partner', domain: 'late.example', customers: late },
          { tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example', customers: [...small, shared] },
        ],
      });
      const names = (pages: StoredCustomerSummary[][]) => pages.flat().map((c) => c.displayName);
      const bigPages = await allPages(store, { partnerTenantId: PARTNER }, 50);
      assert.equal(bigPages.length, Math.ceil(big.length / 50));
      assert.deepEqual(names(bigPages), big.map((c) => c.displayName));
      assert.deepEqual(names(await allPages(store, { partnerTenantId: LATE }, 300)), late.map((c) => c.displayName));
      assert.deepEqual(names(await allPages(store, { partnerTenantId: DEMO.adatum }, 5)), [shared.displayName, 'Litware Inc.', ...small.map((c) => c.displayName)]);
      assert.deepEqual(names(await allPages(store, { partnerTenantId: LATE, namePrefix: 'zz late 0199' }, 4)), late.slice(1990, 2000).map((c) => c.displayName));
      // Name or tenant id prefix: the id branch walks the big partner's ids; the late partner has none there.
      const byId = await allPages(store, { partnerTenantId: PARTNER, namePrefix: 'c0b16000', tenantIdPrefix: 'c0b16000' }, 60);
      assert.deepEqual(names(byId), big.map((c) => c.displayName));
      assert.deepEqual(await allPages(store, { partnerTenantId: LATE, namePrefix: 'c0b16000', tenantIdPrefix: 'c0b16000' }, 5), []);
      assert.deepEqual(names(await allPages(store, { partnerTenantId: DEMO.adatum, namePrefix: 'c0b16000', tenantIdPrefix: 'c0b16000' }, 5)), [shared.displayName]);
      // Both branches find the same customers: each is listed once.
      assert.deepEqual(names(await allPages(store, { partnerTenantId: PARTNER, namePrefix: 'big 0000', tenantIdPrefix: 'c0b16000-0000-4000-8000-00000000000' }, 4)), big.slice(0, 10).map((c) => c.displayName));
    });

    test("a customer's partners, with the name each knows it by and its DAP flag", async (t) => {
      const { store } = await demoStore(open, t);
      // Contoso becomes Adatum's customer too, under another name, with DAP (its organization as stored).
      const organization = demoDocument().partners!.flatMap((p) => p.customers ?? []).find((c) => c.tenantId === DEMO.contoso)!.organization;
      await importDocument(store, {
        partners: [{ tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example', customers: [{ tenantId: DEMO.contoso, displayName: 'Contoso Ltd', dap: true, organization }] }],
      });
      const partners = await store.customerPartners([DEMO.northwind, DEMO.contoso.toUpperCase(), NEVER_EXISTED]);
      assert.deepEqual(partners, [
        { customerTenantId: DEMO.contoso, partner: { tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example' }, customerDisplayName: 'Contoso Ltd', dapEnabled: true },
        { customerTenantId: DEMO.contoso, partner: { tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example' }, customerDisplayName: 'Contoso', dapEnabled: false },
        { customerTenantId: DEMO.northwind, partner: { tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example' }, customerDisplayName: 'Northwind Traders', dapEnabled: true },
      ]);
      assert.deepEqual(await store.customerPartners([]), []);
    });
  });
}
