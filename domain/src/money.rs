//! Amounts of money, always in integer minor units (cents), never floats.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::InvalidValue;

/// A currency code shaped like ISO 4217: exactly three ASCII letters, kept uppercase
/// ("EUR", "USD"). Only the shape is checked; whether the payment provider accepts the
/// currency is its call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code such as "eur" or "EUR" (surrounding spaces ignored).
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw.trim().as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|byte| byte.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(InvalidValue::new(
                "must be a three-letter currency code such as EUR",
            )),
        }
    }

    /// The uppercase code, e.g. "EUR".
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this conversion cannot fail.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// How many digits its minor unit has (ISO 4217's exponent): 2 for EUR (1050 is
    /// 10.50), 0 for JPY, 3 for KWD. Codes not listed as otherwise have 2, as most do.
    pub fn minor_unit_digits(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }

    /// An amount of minor units written in major units with this currency's decimals:
    /// `-1050` EUR is `-10.50`, `1050` JPY is `1050`. Exact: integer arithmetic only.
    pub fn format_minor(&self, amount_minor: i64) -> String {
        let digits = self.minor_unit_digits();
        let sign = if amount_minor < 0 { "-" } else { "" };
        let magnitude = amount_minor.unsigned_abs();
        if digits == 0 {
            return format!("{sign}{magnitude}");
        }
        let unit = 10_u64.pow(digits);
        let width = digits as usize;
        format!("{sign}{}.{:0width$}", magnitude / unit, magnitude % unit,)
    }
}

impl FromStr for Currency {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidValue;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl TryFrom<&str> for Currency {
    type Error = InvalidValue;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        Self::parse(raw)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount in the currency's minor unit (cents for EUR: 1050 is 10.50 EUR).
///
/// Negative amounts exist (refunds); the event aggregate refuses them as prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units of `currency`.
    pub amount_minor: i64,
    /// The currency the amount is in.
    pub currency: Currency,
}

impl Money {
    /// An amount of `amount_minor` minor units of `currency`.
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    /// Whether the amount is nothing at all (a free order).
    pub const fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    /// The amount as people read it: the currency's symbol where it has a common one
    /// (`€1,250.00`, `$5.00`, `£0.99`, `¥1,050`), else the amount and the code (`50.00 CHF`).
    /// The same text the web client shows.
    pub fn to_display(&self) -> String {
        let plain = self.currency.format_minor(self.amount_minor);
        let (sign, unsigned) = match plain.strip_prefix('-') {
            Some(unsigned) => ("-", unsigned),
            None => ("", plain.as_str()),
        };
        // Thousands grouped with commas, as en-GB writes them: 1,250.00.
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, format!(".{fraction}")),
            None => (unsigned, String::new()),
        };
        let mut grouped = String::new();
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let magnitude = format!("{grouped}{fraction}");
        let amount = format!("{sign}{magnitude}");
        match self.currency.as_str() {
            "EUR" => format!("{sign}€{magnitude}"),
            "USD" => format!("{sign}${magnitude}"),
            "GBP" => format!("{sign}£{magnitude}"),
            "JPY" => format!("{sign}¥{magnitude}"),
            code => format!("{amount} {code}"),
        }
    }
}

impl fmt::Display for Money {
    // Minor units with the code ("1050 EUR"): the number of decimals differs per currency
    // and is the presentation layer's business.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_minor, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_displayed_with_its_symbol_and_decimals() {
        let money = |minor, code| Money::new(minor, Currency::parse(code).unwrap());
        assert_eq!(money(5000, "EUR").to_display(), "€50.00");
        assert_eq!(money(-1050, "EUR").to_display(), "-€10.50");
        assert_eq!(money(0, "GBP").to_display(), "£0.00");
        assert_eq!(money(1050, "JPY").to_display(), "¥1,050");
        assert_eq!(money(123_456_789, "EUR").to_display(), "€1,234,567.89");
        assert_eq!(money(5000, "CHF").to_display(), "50.00 CHF");
    }

    #[test]
    fn currency_is_normalised_to_uppercase() {
        assert_eq!(Currency::parse(" eur ").unwrap().as_str(), "EUR");
        assert_eq!("uSd".parse::<Currency>().unwrap().to_string(), "USD");
    }

    #[test]
    fn refuses_a_currency_that_is_not_three_letters() {
        for bad in ["", "EU", "EURO", "E1R", "€UR", "EÜR", "E R"] {
            let error = Currency::parse(bad).unwrap_err();
            assert_eq!(
                error.message(),
                "must be a three-letter currency code such as EUR",
                "{bad}"
            );
        }
    }

    #[test]
    fn currency_serialises_as_its_code_and_deserialises_through_parse() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(serde_json::to_string(&eur).unwrap(), "\"EUR\"");
        assert_eq!(serde_json::from_str::<Currency>("\"eur\"").unwrap(), eur);
        assert!(serde_json::from_str::<Currency>("\"EURO\"").is_err());
        assert_eq!(
            Currency::try_from("gbp".to_owned()).unwrap().as_str(),
            "GBP"
        );
    }

    #[test]
    fn formats_minor_units_with_the_currency_decimals() {
        let code = |raw| Currency::parse(raw).unwrap();
        assert_eq!(code("EUR").format_minor(1050), "10.50");
        assert_eq!(code("EUR").format_minor(-5), "-0.05");
        assert_eq!(code("EUR").format_minor(0), "0.00");
        assert_eq!(code("JPY").format_minor(1050), "1050");
        assert_eq!(code("KWD").format_minor(1050), "1.050");
        assert_eq!(code("EUR").format_minor(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn money_keeps_negative_amounts_and_serialises_with_its_currency() {
        let refund = Money::new(-1050, Currency::parse("EUR").unwrap());
        assert!(refund.is_negative());
        let json = serde_json::to_value(refund).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"amount_minor": -1050, "currency": "EUR"})
        );
        assert_eq!(serde_json::from_value::<Money>(json).unwrap(), refund);
    }
}
