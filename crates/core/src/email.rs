//! E-mail addresses: kept as typed and lower-cased for matching.

/// Longest address RFC 5321 allows through SMTP.
pub const MAX_EMAIL_CHARS: usize = 254;

/// A syntactically plausible address. Deliverability is not checked: that needs the network.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Email {
    raw: String,
    lower: String,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("error-required");
        }
        if raw.chars().count() > MAX_EMAIL_CHARS {
            return Err("error-too-long");
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err("error-email-invalid");
        };
        let plausible = !local.is_empty()
            && !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.contains('.')
            && !domain.contains("..")
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if !plausible {
            return Err("error-email-invalid");
        }
        Ok(Email {
            raw: raw.to_string(),
            lower: raw.to_lowercase(),
        })
    }

    /// Rebuilds an address read back from storage.
    pub fn from_stored(raw: String) -> Email {
        let lower = raw.to_lowercase();
        Email { raw, lower }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn lower(&self) -> &str {
        &self.lower
    }

    /// As typed and lower-cased, for storing without a copy.
    pub fn into_parts(self) -> (String, String) {
        (self.raw, self.lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_lowercases() {
        let e = Email::parse(" Anna.Petrova@Example.RU ").unwrap();
        assert_eq!(e.raw(), "Anna.Petrova@Example.RU");
        assert_eq!(e.lower(), "anna.petrova@example.ru");
        assert!(Email::parse("иван@почта.рф").is_ok());
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "anna",
            "anna@",
            "@x.ru",
            "anna@localhost",
            "a b@x.ru",
            "a@x..ru",
            "a@.x.ru",
        ] {
            assert_eq!(Email::parse(bad), Err("error-email-invalid"), "{bad}");
        }
        assert_eq!(Email::parse(""), Err("error-required"));
    }
}
