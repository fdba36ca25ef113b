//! A strict XML reader for the SVGs we write: quick-xml events checked for well-formedness
//! (balanced and matching tags, one root, known entities only, unique attributes), returned
//! as a flat list of elements with their attributes and text.
#![allow(dead_code)]

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

/// An element of a parsed document: its name, attributes and text.
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
}

/// Parses `xml` and panics on anything not well-formed.
pub fn parse(xml: &str) -> Vec<Element> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<usize> = Vec::new();
    let mut elements: Vec<Element> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.error_position()));
        match event {
            Event::Start(e) => {
                roots += usize::from(stack.is_empty());
                elements.push(element(&e));
                stack.push(elements.len() - 1);
            }
            Event::Empty(e) => {
                roots += usize::from(stack.is_empty());
                elements.push(element(&e));
            }
            Event::End(_) => {
                stack.pop().expect("an end tag without a start");
            }
            Event::Text(t) => {
                let text = t.xml10_content().expect("text decodes").into_owned();
                match stack.last() {
                    Some(&i) => elements[i].text.push_str(&text),
                    None => assert!(text.trim().is_empty(), "text outside the root: {text:?}"),
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().unwrap();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("unknown entity &{name};"))
                            .to_string()
                    }
                };
                let i = *stack.last().expect("a reference outside the root");
                elements[i].text.push_str(&resolved);
            }
            Event::Eof => break,
            Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::DocType(_) => panic!("no DOCTYPE in an SVG we write"),
        }
    }
    assert!(stack.is_empty(), "unclosed elements at the end");
    assert_eq!(roots, 1, "exactly one root element");
    elements
}

fn element(e: &quick_xml::events::BytesStart<'_>) -> Element {
    let mut attrs = BTreeMap::new();
    for a in e.attributes() {
        let a = a.expect("a well-formed attribute");
        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
        let value = a.unescape_value().expect("an attribute value").into_owned();
        assert!(attrs.insert(key, value).is_none(), "a duplicate attribute");
    }
    Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs,
        text: String::new(),
    }
}
