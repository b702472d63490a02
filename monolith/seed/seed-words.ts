/** Word lists the demo data is made of. Changing them changes the seeded data (and its checksums). */
export const FIRST_NAMES = [
  'Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kemi', 'Liam', 'Mei', 'Noah',
  'Olga', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Ximena', 'Yusuf', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Adams', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'Lopez',
  'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quispe', 'Rossi', 'Silva', 'Tanaka', 'Usman', 'Varga', 'Weber', 'Zhang',
] as const;

export const STREETS = ['Oak', 'Maple', 'Cedar', 'Harbor', 'Mill', 'Station', 'Church', 'Park', 'River', 'Hill'] as const;
export const STREET_KINDS = ['St', 'Ave', 'Rd', 'Lane', 'Way'] as const;
export const CITIES = ['Springfield', 'Riverton', 'Lakeside', 'Fairview', 'Kingsport', 'Ashford', 'Milton', 'Brookfield'] as const;

export const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Heavy-Duty', 'Mini', 'Pro', 'Smart', 'Ultra', 'Vintage'] as const;
export const MATERIALS = ['Bamboo', 'Canvas', 'Ceramic', 'Copper', 'Cotton', 'Glass', 'Leather', 'Oak', 'Steel', 'Wool'] as const;
export const NOUNS = [
  'Backpack', 'Bottle', 'Chair', 'Desk Lamp', 'Kettle', 'Mug', 'Notebook', 'Pan', 'Pen', 'Planter', 'Scarf', 'Speaker',
  'Stool', 'Teapot', 'Tray', 'Umbrella', 'Wallet', 'Watch',
] as const;
export const QUALITIES = ['durable', 'hand-finished', 'lightweight', 'recyclable', 'water-resistant', 'award-winning'] as const;
