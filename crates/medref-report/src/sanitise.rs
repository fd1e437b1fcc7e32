//! Making an explanation SVG from a run directory safe to inline in a
//! page that is mailed and archived: the report and `publish` both take a
//! picture in only through [`sanitise_svg`].

/// Makes an explanation SVG safe to inline: the `<svg>` element only (no
/// XML prologue), tagged `data-plot="explanation"`. Refuses anything that
/// could run code or fetch from elsewhere: scripts, foreign objects, event
/// handlers, entity declarations, and references other than a `#fragment`
/// or an embedded raster image (`data:image/png`, as saliency overlays use).
pub(crate) fn sanitise_svg(text: &str) -> Result<String, &'static str> {
    let start = text.find("<svg").ok_or("no <svg> element")?;
    let end = text.rfind("</svg>").ok_or("no closing </svg>")? + "</svg>".len();
    if end <= start {
        return Err("no complete <svg> element");
    }
    let body = &text[start..end];
    let lower = body.to_ascii_lowercase();
    for banned in ["<script", "<foreignobject", "<!entity", "<iframe", "javascript:"] {
        if lower.contains(banned) {
            return Err("holds active content (a script, foreign object or entity declaration)");
        }
    }
    if has_event_handler(&lower) {
        return Err("holds an event-handler attribute");
    }
    if has_external_reference(&lower) {
        return Err("refers to an external resource");
    }
    Ok(format!("<svg data-plot=\"explanation\"{}", &body["<svg".len()..]))
}

/// An attribute `on<letters>=` (onload, onclick, ...).
fn has_event_handler(lower: &str) -> bool {
    let b = lower.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        if !(b[i - 1].is_ascii_whitespace() && b[i] == b'o' && b[i + 1] == b'n') {
            return false;
        }
        let mut j = i + 2;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            j += 1;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        j > i + 2 && j < b.len() && b[j] == b'='
    })
}

/// An `href`, `src` or `url(...)` whose target is neither a `#fragment` in
/// the same picture nor an embedded PNG, JPEG or GIF.
fn has_external_reference(lower: &str) -> bool {
    let safe_target = |from: usize| {
        let value = lower[from..]
            .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '"' || c == '\'' || c == '(');
        value.starts_with('#')
            || ["data:image/png", "data:image/jpeg", "data:image/gif"].iter().any(|p| value.starts_with(p))
    };
    for key in ["href", "src", "url("] {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key) {
            let after = from + pos + key.len();
            let attribute = key == "url(" || lower[after..].trim_start().starts_with('=');
            if attribute && !safe_target(after) {
                return true;
            }
            from = after;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitiser_keeps_plain_pictures_and_tags_them() {
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"1\"/><text>on = off</text></svg>\n";
        let out = sanitise_svg(svg).unwrap();
        assert!(out.starts_with("<svg data-plot=\"explanation\" xmlns="));
        assert!(out.ends_with("</svg>"));
    }

    #[test]
    fn sanitiser_refuses_active_or_external_content() {
        for bad in [
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=\"x()\"><rect/></svg>",
            "<svg><a href=\"https://example.org\"><rect/></a></svg>",
            "<svg><rect style=\"fill:url(http://x/y)\"/></svg>",
            "<svg><foreignObject/></svg>",
        ] {
            assert!(sanitise_svg(bad).is_err(), "{bad}");
        }
        assert!(sanitise_svg("<svg><rect fill=\"url(#g)\"/><a href=\"#top\">t</a></svg>").is_ok());
        assert!(sanitise_svg("<svg><image href=\"data:image/png;base64,iVBO\"/></svg>").is_ok());
        assert!(sanitise_svg("<svg><image href=\"data:image/svg+xml;base64,PHN2\"/></svg>").is_err());
    }
}
