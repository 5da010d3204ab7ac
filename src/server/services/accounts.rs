//! Accounts' passwords: argon2id hashes, made and checked off the async threads (argon2 is
//! deliberately slow). The REST API, the set-password page and the console login use these.

use crate::model::AppError;

/// Hash a password with argon2id (off the async threads: it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&crate::server::tokens::random_bytes::<16>())
            .map_err(|_| AppError::internal())?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AppError::internal())
    })
    .await
    .map_err(|_| AppError::internal())?
}

/// Does `password` match `hash`? Without a hash (no such account, or no password set) the
/// same argon2 work is done against a throwaway hash, so timing tells nothing.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let decoy = match DECOY.get() {
        Some(d) => d.clone(),
        None => match hash_password("decoy password".into()).await {
            Ok(d) => DECOY.get_or_init(|| d).clone(),
            Err(_) => return false,
        },
    };
    let real = hash.is_some();
    let hash = hash.unwrap_or(decoy);
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .unwrap_or(false)
}
