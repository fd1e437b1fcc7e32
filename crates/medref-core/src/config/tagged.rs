//! The one place a tagged section's variants are listed.
//!
//! `[data]` is tagged by `format` and `[model]` by `kind`; each variant
//! wraps a section struct. From one list this macro writes the enum, its
//! parser (errors name the key and list the choices), the tag of a parsed
//! value, and a view of the variant as the section trait, so a new variant
//! is one line and never an edit of a `match` elsewhere.

macro_rules! tagged_sections {
    (
        $(#[$enum_doc:meta])*
        $name:ident, $section_trait:ident, $table:literal, $tag_key:literal, $all:ident, $tag_fn:ident;
        $( $(#[$doc:meta])* $tag:literal => $variant:ident($section:ty), )*
    ) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(tag = $tag_key, rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$doc])* $variant($section), )*
        }

        impl $name {
            /// Every accepted tag, in the order the schema lists them.
            pub const $all: &'static [&'static str] = &[$($tag),*];

            /// This value's tag as written in the config.
            pub fn $tag_fn(&self) -> &'static str {
                match self {
                    $( $name::$variant(_) => $tag, )*
                }
            }

            /// The section behind the tag, through its trait.
            pub fn section(&self) -> &dyn $section_trait {
                match self {
                    $( $name::$variant(s) => s, )*
                }
            }

            pub(super) fn parse(table: toml::Table) -> Result<Self, (String, String)> {
                let (tag, rest) = super::parse::take_tag($table, $tag_key, table)?;
                match tag.as_str() {
                    $( $tag => super::parse::section($table, rest).map($name::$variant), )*
                    other => Err((
                        format!("[{}].{}", $table, $tag_key),
                        format!(
                            "unknown {} `{other}`, expected one of {}",
                            $tag_key,
                            Self::$all.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )),
                }
            }
        }
    };
}
