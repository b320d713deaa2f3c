/** The demo dataset's ids (packages/server/seeds/demo.seed.json), for tests. */
export const DEMO = {
  fabrikam: '2c01706f-53f9-43ed-a5e3-50fe9b93e511',
  adatum: '1e5fc020-fb3c-4f6a-bcbb-ad2b6564bf62',
  contoso: '13bba13f-49f8-49aa-8a22-1fe70d695fcb',
  northwind: '98d1aee7-213b-475d-879d-bb7a1f32c0eb',
  tailspin: 'b0abd4ba-7eb9-48ee-96ec-7a88abdc3a82',
  woodgrove: 'e0a0dd3e-e157-4fb8-97f3-7a6ea7ef70cd',
  relecloud: 'c7d3a51e-2f0b-4c8e-9d6a-5b1e0f3a7c42',
  litware: 'a37498d5-9fac-4190-8428-523bb25d1ade',
  fabrikamAutomation: '5cb9b94d-825a-47d7-830b-7226f428175e',
  fabrikamReporting: '10db4c3d-1412-4e92-a4ce-7a9f18887f86',
  adatumAutomation: '8dc207ca-4053-40ab-a2c9-c938c55a0ebc',
  secret: 'pcapi-demo',
} as const;
