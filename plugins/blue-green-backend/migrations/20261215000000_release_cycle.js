// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('blue_green_failed_versions', table => {
    table.comment(
      'Versions that were rolled back: promoting one again needs a new version or force',
    );
    table.string('entity_ref').notNullable();
    table
      .string('version_key')
      .notNullable()
      .comment('Its version key (version label and images)');
    table.string('color').notNullable().comment('The color it ran on');
    table.string('version').nullable();
    table.text('images').notNullable().comment('JSON: the images it ran');
    table.text('reason').notNullable();
    table
      .string('history_id')
      .notNullable()
      .comment('The rollback that marked it');
    table.string('failed_by').notNullable();
    table.timestamp('failed_at', { useTz: true, precision: 3 }).notNullable();
    table.primary(['entity_ref', 'version_key']);
  });

  await knex.schema.alterTable('blue_green_watches', table => {
    table
      .string('promoted_workload')
      .nullable()
      .comment(
        'The workload promoted (kind/name), which keeps it when the strategy names colors anew',
      );
  });

  await knex.schema.createTable('blue_green_shift_stops', table => {
    table.comment(
      'Requests to stop a running stepped shift (cancel, rollback), for whichever backend replica runs it',
    );
    table.string('history_id').primary().comment('The promote being shifted');
    table.string('kind').notNullable().comment('cancel or rollback');
    table.string('requested_by').notNullable();
    table.text('reason').nullable();
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('blue_green_shift_stops');
  await knex.schema.dropTable('blue_green_failed_versions');
  await knex.schema.alterTable('blue_green_watches', table => {
    table.dropColumn('promoted_workload');
  });
};
