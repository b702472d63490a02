import { ValidationError } from './http-errors.ts';
import { pageOffset, parsePageRequest, toPage } from './pagination.ts';

describe('pagination', () => {
  it('defaults to page 1 of 50', () => {
    expect(parsePageRequest({})).toEqual({ page: 1, pageSize: 50 });
  });

  it('reads page and pageSize and computes the offset', () => {
    const request = parsePageRequest({ page: '3', pageSize: '20' });
    expect(request).toEqual({ page: 3, pageSize: 20 });
    expect(pageOffset(request)).toBe(40);
    expect(pageOffset({ page: 1, pageSize: 200 })).toBe(0);
  });

  it.each([
    [{ pageSize: '0' }, 'pageSize'],
    [{ pageSize: '201' }, 'pageSize'],
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ page: ['1', '2'] }, 'page'],
  ])('rejects %j naming %s', (query, field) => {
    expect(() => parsePageRequest(query)).toThrow(ValidationError);
    expect(() => parsePageRequest(query)).toThrow(new RegExp(`^${field}:`));
  });

  it('wraps items with the request and the total', () => {
    expect(toPage(['a'], { page: 2, pageSize: 1 }, 7)).toEqual({
      items: ['a'],
      page: 2,
      pageSize: 1,
      total: 7,
    });
  });
});
