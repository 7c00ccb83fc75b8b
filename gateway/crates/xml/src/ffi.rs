//! Hand-written declarations for the part of libxml2 2.9 this crate uses.
//!
//! Struct layouts are copied field by field from the 2.9.14 headers in
//! `/usr/include/libxml2/libxml/` (`tree.h`, `xmlerror.h`, `parser.h`). Only
//! structs we read fields of are spelled out; the rest stay opaque. Nothing in
//! here is public outside the crate.

#![allow(non_camel_case_types, non_snake_case, dead_code)]

use std::os::raw::{c_char, c_int, c_long, c_ushort, c_void};

/// libxml2's `xmlChar`: one byte of UTF-8.
pub type xmlChar = u8;

/// `xmlElementType` values we compare against (`tree.h`).
pub const XML_ELEMENT_NODE: c_int = 1;
pub const XML_ATTRIBUTE_NODE: c_int = 2;
pub const XML_TEXT_NODE: c_int = 3;
pub const XML_CDATA_SECTION_NODE: c_int = 4;
pub const XML_NAMESPACE_DECL: c_int = 18;

/// `xmlParserOption` bits (`parser.h`).
pub const XML_PARSE_NONET: c_int = 1 << 11;
pub const XML_PARSE_BIG_LINES: c_int = 1 << 22;

/// `xmlErrorLevel` (`xmlerror.h`).
pub const XML_ERR_WARNING: c_int = 1;
pub const XML_ERR_ERROR: c_int = 2;
pub const XML_ERR_FATAL: c_int = 3;

/// `xmlErrorDomain::XML_FROM_PARSER`.
pub const XML_FROM_PARSER: c_int = 1;
/// `xmlParserErrors::XML_ERR_INTERNAL_ERROR`, raised for "excessive depth".
pub const XML_ERR_INTERNAL_ERROR: c_int = 1;

/// `xmlC14NMode::XML_C14N_EXCLUSIVE_1_0`.
pub const XML_C14N_EXCLUSIVE_1_0: c_int = 1;

/// `xmlCharEncoding::XML_CHAR_ENCODING_NONE`.
pub const XML_CHAR_ENCODING_NONE: c_int = 0;

macro_rules! opaque {
    ($($name:ident),* $(,)?) => {
        $(
            #[repr(C)]
            pub struct $name {
                _opaque: [u8; 0],
            }
        )*
    };
}

opaque!(
    xmlDoc,
    xmlDtd,
    xmlParserCtxt,
    xmlParserInputBuffer,
    xmlOutputBuffer,
    xmlCharEncodingHandler,
    xmlSchema,
    xmlSchemaParserCtxt,
    xmlSchemaValidCtxt,
);

/// `struct _xmlNode` (`tree.h`).
#[repr(C)]
pub struct xmlNode {
    pub _private: *mut c_void,
    pub type_: c_int,
    pub name: *const xmlChar,
    pub children: *mut xmlNode,
    pub last: *mut xmlNode,
    pub parent: *mut xmlNode,
    pub next: *mut xmlNode,
    pub prev: *mut xmlNode,
    pub doc: *mut xmlDoc,
    pub ns: *mut xmlNs,
    pub content: *mut xmlChar,
    pub properties: *mut xmlAttr,
    pub nsDef: *mut xmlNs,
    pub psvi: *mut c_void,
    pub line: c_ushort,
    pub extra: c_ushort,
}

/// `struct _xmlAttr` (`tree.h`).
#[repr(C)]
pub struct xmlAttr {
    pub _private: *mut c_void,
    pub type_: c_int,
    pub name: *const xmlChar,
    pub children: *mut xmlNode,
    pub last: *mut xmlNode,
    pub parent: *mut xmlNode,
    pub next: *mut xmlAttr,
    pub prev: *mut xmlAttr,
    pub doc: *mut xmlDoc,
    pub ns: *mut xmlNs,
    pub atype: c_int,
    pub psvi: *mut c_void,
}

/// `struct _xmlNs` (`tree.h`). Its `type_` sits at the same offset as
/// `xmlNode::type_`, which is how c14n callbacks tell the two apart.
#[repr(C)]
pub struct xmlNs {
    pub next: *mut xmlNs,
    pub type_: c_int,
    pub href: *const xmlChar,
    pub prefix: *const xmlChar,
    pub _private: *mut c_void,
    pub context: *mut xmlDoc,
}

/// The common head of `xmlNode`, `xmlAttr` and `xmlNs`: a pointer, then the
/// node type.
#[repr(C)]
pub struct NodeHead {
    pub _first: *mut c_void,
    pub type_: c_int,
}

/// `struct _xmlError` (`xmlerror.h`).
#[repr(C)]
pub struct xmlError {
    pub domain: c_int,
    pub code: c_int,
    pub message: *mut c_char,
    pub level: c_int,
    pub file: *mut c_char,
    pub line: c_int,
    pub str1: *mut c_char,
    pub str2: *mut c_char,
    pub str3: *mut c_char,
    pub int1: c_int,
    /// The column for parser errors, 0 otherwise.
    pub int2: c_int,
    pub ctxt: *mut c_void,
    pub node: *mut c_void,
}

/// The first two fields of `struct _xmlParserInput` (`parser.h`); we only
/// ever write `filename` on an input libxml2 allocated for us.
#[repr(C)]
pub struct xmlParserInput {
    pub buf: *mut xmlParserInputBuffer,
    pub filename: *const c_char,
}

/// Variadic in C; we only store and restore such pointers, never call them.
pub type xmlGenericErrorFunc = Option<unsafe extern "C" fn(*mut c_void, *const c_char, ...)>;
pub type xmlStructuredErrorFunc = Option<unsafe extern "C" fn(*mut c_void, *mut xmlError)>;
pub type xmlExternalEntityLoader = Option<
    unsafe extern "C" fn(*const c_char, *const c_char, *mut xmlParserCtxt) -> *mut xmlParserInput,
>;
pub type xmlC14NIsVisibleCallback =
    Option<unsafe extern "C" fn(*mut c_void, *mut xmlNode, *mut xmlNode) -> c_int>;
pub type xmlOutputWriteCallback =
    Option<unsafe extern "C" fn(*mut c_void, *const c_char, c_int) -> c_int>;
pub type xmlOutputCloseCallback = Option<unsafe extern "C" fn(*mut c_void) -> c_int>;

extern "C" {
    // parser.h
    pub fn xmlInitParser();
    pub fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut xmlDoc;
    pub fn xmlSetExternalEntityLoader(f: xmlExternalEntityLoader);
    pub fn xmlNewIOInputStream(
        ctxt: *mut xmlParserCtxt,
        input: *mut xmlParserInputBuffer,
        enc: c_int,
    ) -> *mut xmlParserInput;

    // tree.h
    pub fn xmlFreeDoc(doc: *mut xmlDoc);
    pub fn xmlDocGetRootElement(doc: *const xmlDoc) -> *mut xmlNode;
    pub fn xmlGetIntSubset(doc: *const xmlDoc) -> *mut xmlDtd;
    pub fn xmlGetLineNo(node: *const xmlNode) -> c_long;

    // xmlstring.h
    pub fn xmlCharStrdup(cur: *const c_char) -> *mut xmlChar;

    // xmlerror.h and globals.h (thread-local in threaded builds)
    pub fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: xmlStructuredErrorFunc);
    pub fn __xmlStructuredError() -> *mut xmlStructuredErrorFunc;
    pub fn __xmlStructuredErrorContext() -> *mut *mut c_void;
    pub fn xmlSetGenericErrorFunc(ctx: *mut c_void, handler: xmlGenericErrorFunc);
    pub fn __xmlGenericError() -> *mut xmlGenericErrorFunc;
    pub fn __xmlGenericErrorContext() -> *mut *mut c_void;

    // stdio.h (the C library std already links)
    pub fn fopen(path: *const c_char, mode: *const c_char) -> *mut c_void;

    // xmlIO.h
    pub fn xmlParserInputBufferCreateMem(
        mem: *const c_char,
        size: c_int,
        enc: c_int,
    ) -> *mut xmlParserInputBuffer;
    pub fn xmlFreeParserInputBuffer(input: *mut xmlParserInputBuffer);
    pub fn xmlOutputBufferCreateIO(
        iowrite: xmlOutputWriteCallback,
        ioclose: xmlOutputCloseCallback,
        ioctx: *mut c_void,
        encoder: *mut xmlCharEncodingHandler,
    ) -> *mut xmlOutputBuffer;
    pub fn xmlOutputBufferClose(out: *mut xmlOutputBuffer) -> c_int;

    // c14n.h
    pub fn xmlC14NExecute(
        doc: *mut xmlDoc,
        is_visible_callback: xmlC14NIsVisibleCallback,
        user_data: *mut c_void,
        mode: c_int,
        inclusive_ns_prefixes: *mut *mut xmlChar,
        with_comments: c_int,
        buf: *mut xmlOutputBuffer,
    ) -> c_int;

    // xmlschemas.h
    pub fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut xmlSchemaParserCtxt;
    pub fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut xmlSchemaParserCtxt,
        serror: xmlStructuredErrorFunc,
        ctx: *mut c_void,
    );
    pub fn xmlSchemaParse(ctxt: *mut xmlSchemaParserCtxt) -> *mut xmlSchema;
    pub fn xmlSchemaFreeParserCtxt(ctxt: *mut xmlSchemaParserCtxt);
    pub fn xmlSchemaFree(schema: *mut xmlSchema);
    pub fn xmlSchemaNewValidCtxt(schema: *mut xmlSchema) -> *mut xmlSchemaValidCtxt;
    pub fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut xmlSchemaValidCtxt,
        serror: xmlStructuredErrorFunc,
        ctx: *mut c_void,
    );
    pub fn xmlSchemaValidateOneElement(ctxt: *mut xmlSchemaValidCtxt, elem: *mut xmlNode) -> c_int;
    pub fn xmlSchemaFreeValidCtxt(ctxt: *mut xmlSchemaValidCtxt);
}
