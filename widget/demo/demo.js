/* Bottega Aurora demo checkout: a believable three-step checkout wired to the assistant widget
 * (window.CheckoutAssistant): setCart on every cart/country/step change, setStep on step changes,
 * setLanguage when the page language changes. Prices and rates mirror shop.yml. */
(() => {
  'use strict';

  const FREE_SHIPPING = 89;
  const COD_FEE = 4;
  // standard shipping by country (shop.yml zones), and whether the free-shipping threshold applies
  const RATES = {
    IT: { price: 5.9, free: true, days: [1, 3] },
    'IT-88': { price: 8.9, free: true, days: [3, 5] },
    DE: { price: 12.9, free: true, days: [3, 6] },
    CH: { price: 19.9, free: false, days: [4, 7] },
    GB: { price: 19.9, free: false, days: [4, 7] },
    US: { price: 29.9, free: false, days: [6, 12] },
  };
  const STEPS = ['cart', 'shipping', 'payment'];

  const cart = [
    { sku: 'BA-WAL-ARNO-COG', name: { it: 'Portafoglio “Arno” in cuoio', en: '“Arno” leather wallet' }, variant: { it: 'Conciato al vegetale · cognac', en: 'Vegetable-tanned · cognac' }, price: 34, quantity: 1, swatch: 'cognac', mono: 'W' },
    { sku: 'BA-KEY-PONTE-BRN', name: { it: 'Portachiavi intrecciato “Ponte Vecchio”', en: 'Braided “Ponte Vecchio” key ring' }, variant: { it: 'Testa di moro', en: 'Dark brown' }, price: 14, quantity: 1, swatch: 'moro', mono: 'K' },
    { sku: 'BA-BMK-GIGLIO-RED', name: { it: 'Segnalibro in pelle “Giglio”', en: '“Giglio” leather bookmark' }, variant: { it: 'Rosso Firenze, impressione a caldo', en: 'Florence red, hot-stamped' }, price: 14, quantity: 1, swatch: 'rosso', mono: 'B' },
  ];

  const T = {
    it: {
      title: 'Cassa · Bottega Aurora',
      skip: 'Vai alla cassa',
      tagline: 'Pelletteria artigianale · Firenze dal 1962',
      secure: 'Pagamento sicuro',
      checkoutTitle: 'Completa il tuo ordine',
      stepsLabel: 'Passaggi',
      stepCart: 'Carrello',
      stepShipping: 'Spedizione',
      stepPayment: 'Pagamento',
      cartTitle: 'Il tuo carrello',
      qty: 'Quantità',
      less: 'Togli uno',
      more: 'Aggiungi uno',
      remove: 'Rimuovi',
      emptyCart: 'Il carrello è vuoto.',
      toShipping: 'Continua con la spedizione',
      shippingTitle: 'Indirizzo di spedizione',
      fName: 'Nome e cognome',
      fEmail: 'Email',
      fStreet: 'Indirizzo',
      fZip: 'CAP',
      fCity: 'Città',
      fCountry: 'Paese',
      cIT: 'Italia',
      cIT88: 'Italia – Sardegna',
      cDE: 'Germania',
      cCH: 'Svizzera',
      cGB: 'Regno Unito',
      cUS: 'Stati Uniti',
      shipHint: (r, price) => `Spedizione standard: ${price}, ${r.days[0]}-${r.days[1]} giorni lavorativi.`,
      customs: ' Fuori dall’UE possono esserci dazi alla consegna.',
      back: 'Indietro',
      toPayment: 'Continua con il pagamento',
      paymentTitle: 'Pagamento',
      payLegend: 'Come vuoi pagare?',
      payCard: 'Carta di credito o debito',
      payPaypalNote: 'Paghi con il tuo conto PayPal',
      payCod: 'Contrassegno',
      payCodNote: 'Paghi in contanti alla consegna · +4,00 € · solo in Italia',
      payCodNo: 'Disponibile solo per indirizzi in Italia',
      fCard: 'Numero della carta',
      fExp: 'Scadenza (MM/AA)',
      payNow: 'Paga ora',
      demoNote: 'Questa è una pagina dimostrativa: nessun pagamento è stato effettuato.',
      summaryTitle: 'Riepilogo ordine',
      subtotal: 'Subtotale',
      shipping: 'Spedizione',
      codFee: 'Contrassegno',
      total: 'Totale',
      free: 'Gratuita',
      vat: 'IVA inclusa dove applicabile.',
      perkReturns: 'Reso entro 30 giorni',
      perkFree: 'Spedizione gratuita da 89 € in Italia e UE',
      perkHelp: 'Dubbi? Chiedi all’assistente in basso a destra',
      freeMissing: (m) => `Aggiungi ${m} per la spedizione gratuita.`,
      freeReached: 'Hai diritto alla spedizione gratuita.',
      freeNone: 'La spedizione gratuita vale per Italia e UE.',
      footer: 'Bottega Aurora · Via de’ Neri 27r, 50122 Firenze · Pagina dimostrativa: nessun ordine reale, nessun pagamento.',
    },
    en: {
      title: 'Checkout · Bottega Aurora',
      skip: 'Skip to checkout',
      tagline: 'Handmade leather goods · Florence since 1962',
      secure: 'Secure payment',
      checkoutTitle: 'Complete your order',
      stepsLabel: 'Steps',
      stepCart: 'Cart',
      stepShipping: 'Shipping',
      stepPayment: 'Payment',
      cartTitle: 'Your cart',
      qty: 'Quantity',
      less: 'Remove one',
      more: 'Add one',
      remove: 'Remove',
      emptyCart: 'Your cart is empty.',
      toShipping: 'Continue to shipping',
      shippingTitle: 'Shipping address',
      fName: 'Full name',
      fEmail: 'Email',
      fStreet: 'Address',
      fZip: 'Postcode',
      fCity: 'City',
      fCountry: 'Country',
      cIT: 'Italy',
      cIT88: 'Italy – Sardinia',
      cDE: 'Germany',
      cCH: 'Switzerland',
      cGB: 'United Kingdom',
      cUS: 'United States',
      shipHint: (r, price) => `Standard delivery: ${price}, ${r.days[0]}-${r.days[1]} business days.`,
      customs: ' Outside the EU, duties may be due on delivery.',
      back: 'Back',
      toPayment: 'Continue to payment',
      paymentTitle: 'Payment',
      payLegend: 'How would you like to pay?',
      payCard: 'Credit or debit card',
      payPaypalNote: 'Pay with your PayPal account',
      payCod: 'Cash on delivery',
      payCodNote: 'Pay cash to the courier · +€4.00 · Italy only',
      payCodNo: 'Only available for addresses in Italy',
      fCard: 'Card number',
      fExp: 'Expiry (MM/YY)',
      payNow: 'Pay now',
      demoNote: 'This is a demo page: no payment was taken.',
      summaryTitle: 'Order summary',
      subtotal: 'Subtotal',
      shipping: 'Shipping',
      codFee: 'Cash on delivery',
      total: 'Total',
      free: 'Free',
      vat: 'VAT included where applicable.',
      perkReturns: 'Returns within 30 days',
      perkFree: 'Free shipping over €89 in Italy and the EU',
      perkHelp: 'Questions? Ask the assistant at the bottom right',
      freeMissing: (m) => `Add ${m} for free shipping.`,
      freeReached: 'You qualify for free shipping.',
      freeNone: 'Free shipping applies to Italy and the EU.',
      footer: 'Bottega Aurora · Via de’ Neri 27r, 50122 Florence · Demo page: no real orders, no payments.',
    },
  };

  const $ = (sel) => document.querySelector(sel);
  const $$ = (sel) => [...document.querySelectorAll(sel)];
  const store = {
    get: (k) => { try { return localStorage.getItem(k); } catch { return null; } },
    set: (k, v) => { try { localStorage.setItem(k, v); } catch { /* storage blocked */ } },
  };

  let lang = store.get('bottega-demo-lang') === 'en' ? 'en' : 'it';
  let step = STEPS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'cart';
  const country = $('#f-country');
  const t = () => T[lang];
  const money = (n) => new Intl.NumberFormat(lang === 'it' ? 'it-IT' : 'en-IE', { style: 'currency', currency: 'EUR' }).format(n);
  const round = (n) => Math.round(n * 100) / 100;

  /** The widget may load after this script in other setups: call it only when it is there. */
  const assistant = (method, ...args) => {
    const api = window.CheckoutAssistant;
    if (api && typeof api[method] === 'function') api[method](...args);
  };

  function totals() {
    const subtotal = round(cart.reduce((sum, i) => sum + i.price * i.quantity, 0));
    const rate = RATES[country.value] || RATES.IT;
    const shipping = rate.free && subtotal >= FREE_SHIPPING ? 0 : rate.price;
    const pay = ($('input[name="pay"]:checked') || {}).value;
    const cod = pay === 'cod' && country.value.startsWith('IT') ? COD_FEE : 0;
    return { subtotal, shipping, cod, total: round(subtotal + shipping + cod), rate };
  }

  /** Everything the assistant should know about the checkout, sent with each message. */
  function syncAssistant() {
    const { subtotal, shipping } = totals();
    assistant('setCart', {
      items: cart.filter((i) => i.quantity > 0).map((i) => ({ sku: i.sku, name: i.name[lang], quantity: i.quantity, price: i.price })),
      subtotal,
      shipping,
      country: country.value,
      step,
    });
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    node.append(...children);
    return node;
  }

  function renderCart() {
    const s = t();
    const list = $('#cart-items');
    list.replaceChildren();
    const live = cart.filter((i) => i.quantity > 0);
    if (!live.length) list.append(el('li', { className: 'empty' }, s.emptyCart));
    for (const item of live) {
      const qty = el('span', { className: 'qty-value', textContent: String(item.quantity) });
      qty.setAttribute('aria-live', 'polite');
      const less = el('button', { type: 'button', className: 'qty-btn', textContent: '−', onclick: () => changeQty(item, -1) });
      less.setAttribute('aria-label', `${s.less}: ${item.name[lang]}`);
      const more = el('button', { type: 'button', className: 'qty-btn', textContent: '+', onclick: () => changeQty(item, 1) });
      more.setAttribute('aria-label', `${s.more}: ${item.name[lang]}`);
      const remove = el('button', { type: 'button', className: 'link', textContent: s.remove, onclick: () => changeQty(item, -item.quantity) });
      remove.setAttribute('aria-label', `${s.remove}: ${item.name[lang]}`);
      const group = el('div', { className: 'qty' }, less, qty, more);
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', `${s.qty}: ${item.name[lang]}`);
      list.append(
        el(
          'li',
          { className: 'item' },
          thumb(item),
          el('div', { className: 'item-info' }, el('strong', { textContent: item.name[lang] }), el('span', { className: 'muted', textContent: item.variant[lang] }), remove),
          group,
          el('span', { className: 'price', textContent: money(item.price * item.quantity) }),
        ),
      );
    }
  }

  function thumb(item) {
    const span = el('span', { className: `thumb thumb-${item.swatch}`, textContent: item.mono });
    span.setAttribute('aria-hidden', 'true');
    return span;
  }

  function renderSummary() {
    const s = t();
    const { subtotal, shipping, cod, total, rate } = totals();
    $('#summary-items').replaceChildren(
      ...cart.filter((i) => i.quantity > 0).map((i) =>
        el('li', {}, thumb(i), el('span', { className: 'grow', textContent: `${i.name[lang]} × ${i.quantity}` }), el('span', { textContent: money(i.price * i.quantity) })),
      ),
    );
    $('#t-subtotal').textContent = money(subtotal);
    $('#t-shipping').textContent = shipping === 0 ? s.free : money(shipping);
    $('#row-cod').hidden = !cod;
    $('#t-cod').textContent = money(cod);
    $('#t-total').textContent = money(total);

    const missing = round(FREE_SHIPPING - subtotal);
    $('#free-ship-text').textContent = !rate.free ? s.freeNone : missing > 0 ? s.freeMissing(money(missing)) : s.freeReached;
    $('#free-ship-bar').style.width = `${Math.min(100, (subtotal / FREE_SHIPPING) * 100)}%`;
    const customs = ['CH', 'GB', 'US'].includes(country.value) ? s.customs : '';
    $('#ship-hint').textContent = s.shipHint(rate, shipping === 0 ? s.free.toLowerCase() : money(rate.price)) + customs;

    const codAllowed = country.value.startsWith('IT');
    const codInput = $('#cod-option input');
    codInput.disabled = !codAllowed;
    $('#cod-option').classList.toggle('disabled', !codAllowed);
    $('#cod-note').textContent = codAllowed ? s.payCodNote : s.payCodNo;
    if (!codAllowed && codInput.checked) $('input[name="pay"][value="card"]').checked = true;
    $('#card-fields').hidden = ($('input[name="pay"]:checked') || {}).value !== 'card';
  }

  function changeQty(item, delta) {
    item.quantity = Math.max(0, Math.min(9, item.quantity + delta));
    renderCart();
    renderSummary();
    syncAssistant();
  }

  function showStep(next, { focus = true } = {}) {
    if (!STEPS.includes(next)) next = 'cart';
    step = next;
    for (const section of $$('.step')) section.hidden = section.dataset.step !== step;
    const index = STEPS.indexOf(step);
    for (const link of $$('[data-step-link]')) {
      const i = STEPS.indexOf(link.dataset.stepLink);
      link.classList.toggle('done', i < index);
      if (i === index) link.setAttribute('aria-current', 'step');
      else link.removeAttribute('aria-current');
    }
    if (location.hash.slice(1) !== step) history.pushState(null, '', '#' + step);
    $('#demo-note').textContent = '';
    if (focus) $(`#h-${step}`).focus({ preventScroll: false });
    assistant('setStep', step);
    syncAssistant();
  }

  function applyLanguage(next) {
    lang = next;
    const s = t();
    document.documentElement.lang = lang;
    document.title = s.title;
    for (const node of $$('[data-i18n]')) {
      const value = s[node.dataset.i18n];
      if (typeof value === 'string') node.textContent = value;
    }
    for (const node of $$('[data-i18n-label]')) node.setAttribute('aria-label', s[node.dataset.i18nLabel]);
    for (const b of $$('.lang-switch button')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
    store.set('bottega-demo-lang', lang);
    renderCart();
    renderSummary();
    assistant('setLanguage', lang);
    syncAssistant();
  }

  // wiring
  for (const b of $$('.lang-switch button')) b.addEventListener('click', () => applyLanguage(b.dataset.lang));
  for (const b of $$('[data-go]')) b.addEventListener('click', () => showStep(b.dataset.go));
  for (const a of $$('[data-step-link]')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      showStep(a.dataset.stepLink);
    });
  }
  window.addEventListener('popstate', () => showStep(location.hash.slice(1) || 'cart', { focus: false }));
  country.addEventListener('change', () => {
    renderSummary();
    syncAssistant();
  });
  for (const r of $$('input[name="pay"]')) r.addEventListener('change', renderSummary);
  $('#shipping-form').addEventListener('submit', (e) => e.preventDefault());
  $('#pay-now').addEventListener('click', () => ($('#demo-note').textContent = t().demoNote));

  // a few widget events, to show the API (see the browser console)
  const api = window.CheckoutAssistant;
  if (api) {
    api.on('handoff', (h) => console.info('[demo] handoff requested:', h.reason));
    api.on('csat', (c) => console.info('[demo] rating:', c.score));
  }

  applyLanguage(lang);
  history.replaceState(null, '', '#' + step);
  showStep(step, { focus: false });
})();
