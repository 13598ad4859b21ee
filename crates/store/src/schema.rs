//! The one portable schema of both backends. Tests check it against each migration tree.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        email_lower -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        locale -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        time_zone -> Text,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
        scope -> Text,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    companies (id) {
        id -> BigInt,
        name -> Text,
        sort_name -> Text,
        industry -> Text,
        website -> Text,
        address -> Text,
        tax_id -> Text,
        bank_details -> Text,
        notes -> Text,
        responsible_id -> Nullable<BigInt>,
        visible_to_all -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        name -> Text,
        sort_name -> Text,
        position -> Text,
        company_id -> Nullable<BigInt>,
        birthday -> Nullable<Date>,
        address -> Text,
        messengers -> Text,
        notes -> Text,
        responsible_id -> Nullable<BigInt>,
        visible_to_all -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    phones (id) {
        id -> BigInt,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        position -> Integer,
        raw -> Text,
        e164 -> Text,
        digits_rev -> Text,
    }
}

diesel::table! {
    emails (id) {
        id -> BigInt,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        position -> Integer,
        raw -> Text,
        lower -> Text,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        name -> Text,
        name_lower -> Text,
    }
}

diesel::table! {
    search_terms (id) {
        id -> BigInt,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        term -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        user_id -> Nullable<BigInt>,
        action -> Text,
        object_kind -> Text,
        object_id -> BigInt,
        changes -> Text,
    }
}

diesel::table! {
    pipelines (id) {
        id -> BigInt,
        name -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stages (id) {
        id -> BigInt,
        pipeline_id -> BigInt,
        name -> Text,
        position -> Integer,
        probability -> Integer,
        color -> Text,
        kind -> Text,
        archived -> Bool,
    }
}

diesel::table! {
    lost_reasons (id) {
        id -> BigInt,
        name -> Text,
        position -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        name -> Text,
        sort_name -> Text,
        sku -> Text,
        unit -> Text,
        price -> BigInt,
        currency -> Text,
        category -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    product_terms (id) {
        id -> BigInt,
        product_id -> BigInt,
        term -> Text,
    }
}

diesel::table! {
    deals (id) {
        id -> BigInt,
        title -> Text,
        sort_title -> Text,
        pipeline_id -> BigInt,
        stage_id -> BigInt,
        state -> Text,
        amount -> BigInt,
        currency -> Text,
        probability -> Nullable<Integer>,
        responsible_id -> Nullable<BigInt>,
        deal_type -> Text,
        source -> Text,
        expected_close -> Nullable<Date>,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        visible_to_all -> Bool,
        lost_reason_id -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        notes -> Text,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    deal_totals (stage_id, closed_on, currency, responsible_key, visible_to_all) {
        stage_id -> BigInt,
        closed_on -> Date,
        currency -> Text,
        responsible_key -> BigInt,
        visible_to_all -> Bool,
        deals -> BigInt,
        amount -> BigInt,
    }
}

diesel::table! {
    deal_lines (id) {
        id -> BigInt,
        deal_id -> BigInt,
        position -> Integer,
        product_id -> Nullable<BigInt>,
        name -> Text,
        quantity_milli -> BigInt,
        unit_price -> BigInt,
        discount_bp -> BigInt,
        total -> BigInt,
    }
}

diesel::table! {
    deal_tags (id) {
        id -> BigInt,
        deal_id -> BigInt,
        name -> Text,
        name_lower -> Text,
    }
}

diesel::table! {
    deal_stage_changes (id) {
        id -> BigInt,
        deal_id -> BigInt,
        from_stage_id -> Nullable<BigInt>,
        to_stage_id -> BigInt,
        user_id -> Nullable<BigInt>,
        at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> BigInt,
        title -> Text,
        source -> Text,
        status -> Text,
        name -> Text,
        company_name -> Text,
        phone -> Text,
        phone_e164 -> Nullable<Text>,
        email -> Text,
        email_lower -> Nullable<Text>,
        message -> Text,
        utm_source -> Text,
        utm_medium -> Text,
        utm_campaign -> Text,
        utm_term -> Text,
        utm_content -> Text,
        page_url -> Text,
        responsible_id -> Nullable<BigInt>,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        deal_id -> Nullable<BigInt>,
        converted_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        import_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        head_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    department_members (user_id) {
        user_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    activities (id) {
        id -> BigInt,
        kind -> Text,
        occurred_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        direction -> Text,
        duration_s -> Nullable<Integer>,
        result -> Text,
        recording_url -> Text,
        subject -> Text,
        body -> Text,
        event -> Text,
        data -> Text,
        home -> Text,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        deal_id -> Nullable<BigInt>,
        lead_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        activity_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        assignee_id -> Nullable<BigInt>,
        author_id -> Nullable<BigInt>,
        due_at -> Nullable<Timestamp>,
        remind_before_min -> Nullable<Integer>,
        remind_at -> Nullable<Timestamp>,
        repeat_days -> Nullable<Integer>,
        repeat_until -> Nullable<Date>,
        contact_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        deal_id -> Nullable<BigInt>,
        lead_id -> Nullable<BigInt>,
        done_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    task_comments (id) {
        id -> BigInt,
        task_id -> BigInt,
        author_id -> Nullable<BigInt>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        args -> Text,
        link -> Text,
        once_key -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        last_error -> Text,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        done_at -> Nullable<Timestamp>,
        once_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        kind -> Text,
        status -> Text,
        file_key -> Text,
        file_name -> Text,
        file_size -> BigInt,
        settings -> Text,
        rows_total -> Nullable<BigInt>,
        rows_done -> BigInt,
        last_row -> BigInt,
        created -> BigInt,
        updated -> BigInt,
        merged -> BigInt,
        skipped -> BigInt,
        failed -> BigInt,
        companies_created -> BigInt,
        error -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        locked_by -> Text,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_failures (id) {
        id -> BigInt,
        import_id -> BigInt,
        row_number -> BigInt,
        column_name -> Text,
        reason -> Text,
    }
}

diesel::table! {
    import_mappings (id) {
        id -> BigInt,
        kind -> Text,
        headers_hash -> Text,
        mapping -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        events -> Text,
        active -> Bool,
        allow_private_network -> Bool,
        description -> Text,
        secret -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event -> Text,
        data -> Text,
        occurred_at -> Timestamp,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        http_status -> Nullable<Integer>,
        duration_ms -> Nullable<BigInt>,
        error -> Text,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lead_forms (id) {
        id -> BigInt,
        public_key -> Text,
        name -> Text,
        fields -> Text,
        pipeline_id -> Nullable<BigInt>,
        responsible_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        last_assigned_id -> Nullable<BigInt>,
        origins -> Text,
        redirect_url -> Text,
        token_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lead_form_entries (lead_id) {
        lead_id -> BigInt,
        form_id -> Nullable<BigInt>,
        pipeline_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(import_failures -> imports (import_id));
diesel::joinable!(idempotency_keys -> users (user_id));
diesel::joinable!(contacts -> companies (company_id));
diesel::joinable!(search_terms -> contacts (contact_id));
diesel::joinable!(phones -> contacts (contact_id));
diesel::joinable!(emails -> contacts (contact_id));
diesel::joinable!(stages -> pipelines (pipeline_id));
diesel::joinable!(deals -> stages (stage_id));
diesel::joinable!(deal_lines -> deals (deal_id));
diesel::joinable!(deal_tags -> deals (deal_id));
diesel::joinable!(product_terms -> products (product_id));
diesel::joinable!(attachments -> activities (activity_id));
diesel::joinable!(task_comments -> tasks (task_id));
diesel::joinable!(department_members -> departments (department_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::joinable!(lead_form_entries -> leads (lead_id));
diesel::joinable!(lead_form_entries -> lead_forms (form_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    api_tokens,
    companies,
    contacts,
    phones,
    emails,
    tags,
    search_terms,
    audit_log,
    pipelines,
    stages,
    lost_reasons,
    products,
    product_terms,
    deals,
    deal_totals,
    deal_lines,
    deal_tags,
    deal_stage_changes,
    leads,
    departments,
    department_members,
    activities,
    attachments,
    tasks,
    task_comments,
    notifications,
    jobs,
    imports,
    import_failures,
    import_mappings,
    webhooks,
    webhook_deliveries,
    idempotency_keys,
    lead_forms,
    lead_form_entries,
);
