/**
 * Import rules of src/ (`npm run lint` runs them): no module may reach itself again through its imports, type-only
 * imports included. Layers point one way.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules on it must be split or moved so that the layers point one way.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'The domain (values, operations, decisions) reaches neither the engine, storage, HTTP nor GraphQL.',
      from: { path: '^src/core/' },
      to: { path: ['^src/(?!core/)', 'node_modules/(graphql|type-graphql|@apollo|@mikro-orm|pg|kysely)/'] },
    },
    {
      name: 'engine-below-the-api',
      severity: 'error',
      comment: 'The engine reaches the domain and its own store interface; storage implements that, GraphQL calls it.',
      from: { path: '^src/engine/' },
      to: { path: ['^src/(db|http|modules)/', 'node_modules/(graphql|type-graphql|@apollo|@mikro-orm|pg|kysely)/'] },
    },
    {
      name: 'no-graphql-below-the-api',
      severity: 'error',
      comment: 'Nothing the decisions or the engine import may reach graphql or type-graphql, however indirectly.',
      from: { path: '^src/(core|engine)/' },
      to: { path: 'node_modules/(graphql|type-graphql)/', reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type cycle ties the modules together as much as a value cycle does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
