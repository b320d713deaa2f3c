/** The package's own name: the default `MS-PartnerCenter-Application`, so Partner Center sees who calls. */
export const PACKAGE_NAME = '@pcapi/client';
