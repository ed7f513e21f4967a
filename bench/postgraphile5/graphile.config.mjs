// PostGraphile v5 for the bench: the amber preset with the v5 counterparts of the plugins v4 runs
// with (bench/postgraphile/package.json, bench/run.sh), over the database in $DATABASE_URL.
// Host and port come from the command line (`postgraphile -C graphile.config.mjs -n HOST -p PORT`).
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
  // - PgIndexBehaviorsPlugin: v4 ignores indexes by default (`ignoreIndexes: true`), so every column
  //   can be filtered and ordered by and every foreign key has its reverse relation; v5 hides what
  //   no index backs while this plugin is on.
  // - the relation filters: v4's connection filter does not filter by related tables
  //   (`connectionFilterRelations: false`); v5's adds those filters while these plugins are on.
  disablePlugins: [
    "PgIndexBehaviorsPlugin",
    "PgConnectionArgFilterBackwardRelationsPlugin",
    "PgConnectionArgFilterForwardRelationsPlugin",
  ],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  schema: {
    // v4: --no-setof-functions-contain-nulls (v4's --dynamic-json and --no-ignore-rbac are v5's defaults)
    pgForbidSetofFunctionsToReturnNull: true,
    // v4: --export-schema-graphql
    ...(process.env.EXPORT_SCHEMA_SDL ? { exportSchemaSDLPath: process.env.EXPORT_SCHEMA_SDL } : {}),
  },
  grafserv: {
    // v4: --disable-graphiql
    graphiql: false,
  },
  grafast: {
    // no plan/SQL details in answers
    explain: false,
  },
};

export default preset;
