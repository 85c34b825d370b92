// Firestore 12 bundles re2js (about 146 kB minified, a quarter of this bundle)
// only to evaluate the regex functions of Pipeline queries in the client
// (`like`, `regex_contains`, `regex_match`). The console runs no pipelines, so
// vite.config.mts points `re2js` here. Firestore calls it inside try/catch:
// were a pipeline ever evaluated, those expressions would come out as errors,
// and Firestore logs a warning, rather than anything failing silently.
export const RE2JS = {
  compile(pattern: string): never {
    throw new Error(`regular expressions are not available in the incident console (pattern ${JSON.stringify(pattern)})`);
  },
};
