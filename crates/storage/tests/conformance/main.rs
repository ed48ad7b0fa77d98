//! The storage conformance suite: every test runs against both backends, as `sqlite::NAME` and
//! `postgres::NAME`, each on a fresh database (a new SQLite file; a new PostgreSQL database created through
//! `WHARF_TEST_PG_URL`). The PostgreSQL half fails, never skips, when the server is unreachable.

mod accounts;
mod batches;
mod fixtures;
mod imports;
mod jobs;
mod orders;
mod outbox;
mod products;
mod rate_limits;
mod rules;
mod shipping;
mod stores;
mod templates;

use std::sync::Arc;

use wharf_storage::Store;
use wharf_storage::testing::TestDatabase;

/// A test's store and the guard that removes its database when the test ends.
pub struct Db {
    pub store: Arc<dyn Store>,
    pub guard: TestDatabase,
}

impl std::ops::Deref for Db {
    type Target = dyn Store;
    fn deref(&self) -> &dyn Store {
        &*self.store
    }
}

/// Instantiates each listed test once per backend: `sqlite::name` and `postgres::name`.
macro_rules! conformance {
    ($($module:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (store, guard) = wharf_storage::testing::fresh_sqlite().await;
                    crate::$module::$test(crate::Db { store, guard }).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let (store, guard) = wharf_storage::testing::fresh_postgres().await;
                    crate::$module::$test(crate::Db { store, guard }).await;
                }
            )*
        }
    };
}

conformance! {
    accounts::default_account_is_created_once,
    accounts::default_account_is_shared_by_instances_starting_together,
    accounts::accounts_insert_read_and_update,
    accounts::connect_and_migrate_by_location,

    stores::stores_insert_and_read_back,
    stores::store_secrets_round_trip_exactly,
    stores::duplicate_store_name_or_seller_is_refused,
    stores::update_store_replaces_settings,
    stores::store_of_unknown_account_is_refused,
    stores::store_import_state_round_trip,
    stores::stores_are_scoped_by_account,

    orders::import_day_stores_orders_raw_documents_and_history,
    orders::same_po_number_on_two_dates_is_two_orders,
    orders::same_natural_key_twice_is_refused_and_the_day_not_written,
    orders::updated_orders_replace_document_and_append_history,
    orders::conflicting_update_leaves_nothing_of_the_day,
    orders::update_order_checks_modify_date,
    orders::raw_documents_round_trip_byte_for_byte,
    orders::orders_by_keys_finds_only_the_stores_matching_orders,
    orders::open_order_dates_before_lists_unfinished_days,
    orders::list_and_count_orders_filter_and_page,
    orders::find_order_by_id_number_or_key,
    orders::orders_are_scoped_by_account,
    orders::history_is_oldest_first,
    orders::import_day_refuses_what_is_not_the_stores,

    imports::skipped_order_upsert_keeps_first_seen,
    imports::a_large_day_clears_only_its_skipped_orders,
    imports::import_runs_round_trip,

    products::upsert_products_inserts_then_replaces_by_sku,
    products::products_by_skus_and_listing,
    products::import_day_products_never_overwrite_the_catalog,
    products::products_are_scoped_by_account,

    jobs::enqueue_dedupes_live_jobs_by_unique_key,
    jobs::claim_takes_due_jobs_by_run_at,
    jobs::concurrent_instances_claim_each_job_exactly_once,
    jobs::expired_lease_is_claimed_again,
    jobs::extend_lease_keeps_the_job,
    jobs::retry_reschedule_dead_and_completed_outcomes,
    jobs::exhausted_attempts_make_a_job_dead,
    jobs::expired_lease_on_the_last_attempt_buries_the_job,
    jobs::dead_jobs_can_be_retried,
    jobs::dead_jobs_are_listed_newest_first,

    batches::batches_take_matching_orders_oldest_first_and_are_numbered,
    batches::an_order_is_in_at_most_one_open_batch,
    batches::concurrent_batch_creations_never_share_an_order,
    batches::a_bought_order_keeps_its_result,
    batches::one_processor_holds_a_batch_until_its_lease_runs_out,
    batches::processing_again_holds_the_unfinished_orders_or_lets_them_go,
    batches::archiving_releases_orders_and_waits_for_processing,
    batches::a_cancelled_order_leaves_its_open_batch,
    batches::batches_are_found_listed_and_scoped_by_account,
    batches::print_settings_are_kept_per_account_and_store,

    rules::rule_sets_are_saved_whole_and_read_in_position_order,
    rules::a_stale_rule_set_revision_conflicts_and_writes_nothing,
    rules::a_rule_set_naming_an_id_twice_or_an_unknown_account_is_refused,
    rules::rules_are_scoped_by_account_and_round_trip_exactly,
    rules::open_orders_are_paged_by_id_and_filtered,
    rules::due_holds_are_found_in_every_account,
    rules::order_batches_are_written_whole_or_not_at_all,

    shipping::carrier_accounts_keep_sealed_credentials_apart,
    shipping::one_default_warehouse_per_account,
    shipping::an_order_has_one_live_purchase,
    shipping::shipment_states_move_by_compare_and_set,
    shipping::a_purchase_its_order_and_its_messages_are_written_together,
    shipping::voiding_withdraws_only_messages_not_yet_sent,

    outbox::queued_messages_commit_with_their_order,
    outbox::requeueing_replaces_unsent_messages_and_never_touches_sent_ones,
    outbox::due_messages_by_kind_state_store_and_time,
    outbox::deliveries_are_saved_with_orders_all_or_nothing,
    outbox::messages_are_listed_counted_and_scoped_by_account,
    outbox::email_templates_per_store_and_kind,
    outbox::customer_requests_upsert_keep_first_seen_and_filter,
    outbox::alert_records_are_kept_per_condition,

    rate_limits::admissions_count_per_window_and_name_the_earliest_slot,
    rate_limits::a_call_counts_in_every_bucket_or_in_none,
    rate_limits::the_limit_that_ends_last_is_named,
    rate_limits::a_back_off_stops_every_call_until_it_ends,
    rate_limits::counters_and_back_off_are_shared_by_instances,
    rate_limits::ended_windows_are_pruned,
    rate_limits::concurrent_instances_never_exceed_a_limit,

    templates::named_slip_templates_per_account,
    templates::named_email_templates_per_account_and_kind,
}
