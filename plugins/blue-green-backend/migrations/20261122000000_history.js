// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('blue_green_history', table => {
    table.comment(
      'Every promote, rollback, scale and sign-off, succeeded or not',
    );
    table.string('id').primary().comment('UUID of the entry');
    table
      .string('entity_ref')
      .notNullable()
      .comment('The catalog entity switched');
    table
      .string('action')
      .notNullable()
      .comment('promote, rollback, auto-rollback, scale, ...');
    table.string('from_color').nullable();
    table.string('to_color').nullable();
    table.string('actor').notNullable().comment('User or service entity ref');
    table.text('reason').nullable();
    table.boolean('forced').notNullable().defaultTo(false);
    table
      .string('outcome')
      .notNullable()
      .comment('in-progress, succeeded, failed, refused, interrupted');
    table.text('error').nullable();
    table
      .text('details')
      .nullable()
      .comment('JSON: strategy, weights, verification, evidence');
    table.string('instance').nullable().comment('Backend instance that ran it');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
    table.timestamp('finished_at', { useTz: true, precision: 3 }).nullable();
    table.index(['entity_ref', 'created_at'], 'blue_green_history_entity_idx');
    table.index(['outcome'], 'blue_green_history_outcome_idx');
  });

  await knex.schema.createTable('blue_green_scale_downs', table => {
    table.comment(
      'Idle colors to scale down after a promote (like Argo scaleDownDelaySeconds)',
    );
    table.string('entity_ref').primary();
    table.string('color').notNullable().comment('The color to scale down');
    table.integer('replicas').notNullable();
    table.timestamp('due_at', { useTz: true, precision: 3 }).notNullable();
    table
      .string('history_id')
      .nullable()
      .comment('The promote that scheduled it');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('blue_green_scale_downs');
  await knex.schema.dropTable('blue_green_history');
};
