//! Reads the file names out of an HTML directory listing (nginx
//! `autoindex`, Apache `mod_autoindex`, Python's `http.server`,
//! `wirelab http`, or any page of links), with html5ever's HTML5 parser
//! (through `scraper`).
//!
//! A link names a file of the directory when, resolved against the page's
//! URL, it has the same origin, no query, and a path that is the page's
//! path plus one non-empty segment that does not end with `/`. That skips
//! the parent link (`../`), sort links (`?C=N;O=D`), subdirectories,
//! fragments and links to other sites.

use scraper::{Html, Selector};
use url::Url;

/// Names (percent-decoded, in page order, without repeats) of the files
/// that the listing at `page` links to. Names that are not UTF-8 or that
/// hold control characters (which the catalog's line protocol cannot
/// carry) are left out.
pub fn file_names(html: &str, page: &Url) -> Vec<String> {
    let doc = Html::parse_document(html);
    let Ok(sel) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    // Links resolve against <base href> when the page has one.
    let base_sel = Selector::parse("base[href]").ok();
    let base = base_sel
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let dir = page.path();
    let mut out: Vec<String> = Vec::new();
    for a in doc.select(&sel) {
        let Some(href) = a.value().attr("href") else {
            continue;
        };
        let href = href.trim();
        if href.is_empty() || href.starts_with('#') || href.starts_with('?') {
            continue;
        }
        let Ok(u) = base.join(href) else { continue };
        if u.query().is_some()
            || u.scheme() != page.scheme()
            || u.host() != page.host()
            || u.port_or_known_default() != page.port_or_known_default()
        {
            continue;
        }
        let Some(rest) = u.path().strip_prefix(dir) else {
            continue;
        };
        if rest.is_empty() || rest.contains('/') {
            continue;
        }
        let Ok(name) = percent_encoding::percent_decode_str(rest).decode_utf8() else {
            tracing::warn!("listing {page}: skipping a name that is not UTF-8: {rest}");
            continue;
        };
        if name.chars().any(char::is_control) || name == "." || name == ".." {
            tracing::warn!("listing {page}: skipping name {name:?}");
            continue;
        }
        if !out.iter().any(|n| *n == name) {
            out.push(name.into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(u: &str) -> Url {
        Url::parse(u).unwrap()
    }

    /// What nginx 1.22's autoindex writes (with autoindex_exact_size on).
    #[test]
    fn nginx_autoindex() {
        let html = r#"<html>
<head><title>Index of /</title></head>
<body>
<h1>Index of /</h1><hr><pre><a href="../">../</a>
<a href="sub/">sub/</a>                                               21-Nov-2026 15:00       -
<a href="100MB.zip">100MB.zip</a>                                          21-Nov-2026 15:00   104857600
<a href="image-site.png">image-site.png</a>                                     21-Nov-2026 15:00      123456
<a href="task%202.pdf">task 2.pdf</a>                                         21-Nov-2026 15:00        4567
</pre><hr></body>
</html>"#;
        assert_eq!(
            file_names(html, &page("http://10.20.30.80/")),
            ["100MB.zip", "image-site.png", "task 2.pdf"]
        );
    }

    /// Apache's fancy index: sort links, a parent link to the absolute
    /// parent path, icons.
    #[test]
    fn apache_index_with_sort_links() {
        let html = r#"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of /files</title></head><body>
<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><img src="/icons/back.gif"></td><td><a href="/">Parent Directory</a></td></tr>
<tr><td><a href="50MB.zip">50MB.zip</a></td></tr>
<tr><td><a href="/files/task2.pdf">task2.pdf</a></td></tr>
<tr><td><a href="docs/">docs/</a></td></tr>
<tr><td><a href="http://elsewhere.example/x.bin">x</a></td></tr>
<tr><td><a href="50MB.zip#top">again</a></td></tr>
</table></body></html>"#;
        assert_eq!(
            file_names(html, &page("http://127.0.0.1:8080/files/")),
            ["50MB.zip", "task2.pdf"]
        );
    }

    /// Python's http.server: quoted names; a same-origin absolute URL
    /// counts, another port does not; odd markup does not matter.
    #[test]
    fn python_listing_and_odd_markup() {
        let html = "<ul><li><a href=\"a%26b.txt\">a&amp;b.txt</a>\
                    <li><A HREF='http://h:81/c.txt'>c</A>\
                    <li><a href=http://h/d.txt>d\
                    <li><a href=\"%0Aevil\">x</a><li><a href=\"%FF\">bad</a><li><a>none</a>";
        assert_eq!(file_names(html, &page("http://h/")), ["a&b.txt", "d.txt"]);
    }

    #[test]
    fn base_element_is_honoured() {
        let html = r#"<base href="/files/"><a href="f.bin">f</a>"#;
        assert_eq!(file_names(html, &page("http://h/files/")), ["f.bin"]);
        assert!(file_names(html, &page("http://h/other/")).is_empty());
    }

    #[test]
    fn not_html_gives_nothing() {
        assert!(file_names("\u{0}\u{1}garbage<<>>", &page("http://h/")).is_empty());
    }
}
