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

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(contacts -> companies (company_id));
diesel::joinable!(search_terms -> contacts (contact_id));
diesel::joinable!(phones -> contacts (contact_id));
diesel::joinable!(emails -> contacts (contact_id));

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
);
