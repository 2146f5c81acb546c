// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('blue_green_checklist_status', table => {
    table.comment(
      'The last pre-deploy checklist result of each entity, for the fleet page (every replica reads the same)',
    );
    table.string('entity_ref').primary();
    table.string('color').notNullable().comment('The idle color checked');
    table
      .string('version')
      .notNullable()
      .comment('Its version key (version label and images)');
    table
      .string('status')
      .notNullable()
      .comment('pass, warn, pending, unknown or fail');
    table
      .timestamp('evaluated_at', { useTz: true, precision: 3 })
      .notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('blue_green_checklist_status');
};
