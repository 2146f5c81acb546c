// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('blue_green_sign_offs', table => {
    table.comment(
      'Manual checklist sign-offs, per deployed version of a color: a new version starts unsigned',
    );
    table.string('entity_ref').notNullable();
    table.string('color').notNullable();
    table
      .string('version')
      .notNullable()
      .comment('The color version (pod template) signed off');
    table.string('item_id').notNullable();
    table.string('signed_by').notNullable().comment('User entity ref');
    table.text('note').nullable();
    table.timestamp('signed_at', { useTz: true, precision: 3 }).notNullable();
    table.primary(['entity_ref', 'color', 'version', 'item_id']);
  });

  await knex.schema.createTable('blue_green_watches', table => {
    table.comment(
      'Post-promote watches (rollback criteria); persisted so a restart resumes them',
    );
    table.string('id').primary();
    table.string('entity_ref').notNullable();
    table.string('history_id').nullable().comment('The promote it watches');
    table.string('promoted_to').notNullable();
    table.string('previous').notNullable();
    table
      .string('state')
      .notNullable()
      .comment('running, rolling-back, passed, rolled-back, stopped');
    table.boolean('auto_rollback').notNullable();
    table.timestamp('started_at', { useTz: true, precision: 3 }).notNullable();
    table.timestamp('ends_at', { useTz: true, precision: 3 }).notNullable();
    table
      .timestamp('last_evaluated_at', { useTz: true, precision: 3 })
      .nullable();
    table.text('criteria').nullable().comment('JSON: last CriterionStatus[]');
    table
      .text('streaks')
      .nullable()
      .comment('JSON: consecutive failing evaluations per criterion');
    table
      .text('notified')
      .nullable()
      .comment('JSON: criteria owners were told of');
    table.text('result').nullable();
    table.index(['entity_ref', 'started_at'], 'blue_green_watches_entity_idx');
    table.index(['state'], 'blue_green_watches_state_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('blue_green_watches');
  await knex.schema.dropTable('blue_green_sign_offs');
};
