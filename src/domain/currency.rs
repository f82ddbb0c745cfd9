//! Currencies PortOne accepts: the 181 ISO 4217 codes of the `Currency` enum in PortOne's OpenAPI
//! schema (<https://developers.portone.io/api/rest-v2>).

use std::fmt;

use serde::Serialize;

/// Every value of PortOne's `Currency`, in the schema's order.
pub const PORTONE_CURRENCIES: [&str; 181] = [
    "KRW", "USD", "JPY", "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD",
    "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF",
    "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF",
    "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "KES", "KGS", "KHR", "KMF", "KPW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD",
    "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP",
    "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX",
    "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB",
    "XBC", "XBD", "XCD", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW",
    "ZWL",
];

/// A currency PortOne accepts: [`Currency::parse`] checks a caller's code against
/// [`PORTONE_CURRENCIES`]; [`Currency::reported`] keeps what PortOne or storage says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
/// Deserialized as [`Currency::reported`]: what storage or PortOne holds is kept verbatim.
pub struct Currency(String);

/// Why a string is not a [`Currency`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a currency PortOne accepts")]
pub struct UnknownCurrency(pub String);

impl Currency {
    /// # Errors
    /// [`UnknownCurrency`] unless `code` is exactly one of [`PORTONE_CURRENCIES`] (upper case).
    pub fn parse(code: &str) -> Result<Self, UnknownCurrency> {
        if PORTONE_CURRENCIES.contains(&code) {
            Ok(Self(code.to_owned()))
        } else {
            Err(UnknownCurrency(code.to_owned()))
        }
    }

    /// A currency PortOne reported (a payment's, a schedule's) or storage holds: kept verbatim,
    /// also when this build's list does not have it yet (PortOne's backward-compatibility policy
    /// lets its enums gain values, REST API overview, section "하위호환성"), so reading never
    /// fails on a currency PortOne itself charged in.
    pub fn reported(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_portone_codes_and_nothing_else() {
        assert_eq!(Currency::parse("KRW").unwrap().as_str(), "KRW");
        assert!(Currency::parse("USD").is_ok());
        for bad in ["krw", "", "KRWW", "XYZ", " KRW"] {
            assert_eq!(
                Currency::parse(bad),
                Err(UnknownCurrency(bad.to_owned())),
                "{bad:?}"
            );
        }
        let mut sorted = PORTONE_CURRENCIES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), PORTONE_CURRENCIES.len(), "no duplicates");
    }
}
